// A student's attachment (a photo or a report PDF): pick a file, watch it upload, open it.
// client.files.put keeps the bytes in this device's IndexedDB and queues the upload ahead of the
// student's change that references it (docs/files.md); offline, it waits in the outbox.
import { useEffect, useState } from 'react';
import { useSyncClient } from '../../js/react/index.js';

const kib = (n) => (n < 1024 * 1024 ? `${Math.max(1, Math.round(n / 1024))} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`);

export function Attachment({ student }) {
  const client = useSyncClient();
  const ref = student.attachment;
  const [progress, setProgress] = useState(null); // { sent, total } while uploading
  const [url, setUrl] = useState(null); // an object URL of the local copy
  const [error, setError] = useState(null);

  useEffect(() => {
    if (!ref?.$file || !client.files) return undefined;
    let gone = false;
    let made = null;
    client.files.local(ref.$file).then((blob) => {
      if (gone || !blob) return;
      made = URL.createObjectURL(blob);
      setUrl(made);
    });
    const offProgress = client.on('fileProgress', (p) => p.fileId === ref.$file && setProgress(p.sent < p.total ? p : null));
    const offFailed = client.on('fileFailed', (f) => f.fileId === ref.$file && setError(f.error.code));
    return () => {
      gone = true;
      offProgress();
      offFailed();
      if (made) URL.revokeObjectURL(made);
      setUrl(null);
    };
  }, [client, ref?.$file]);

  async function choose(event) {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    setError(null);
    try {
      const put = await client.files.put(file);
      client.collection('students').patch(student.id, { attachment: put.ref });
    } catch (err) {
      setError(err.code ?? 'FAILED');
    }
  }

  const image = ref?.type?.startsWith('image/');
  return (
    <div className="attachment" data-testid={`attachment-${student.id}`}>
      {ref && url && image && <img className="attachment-thumb" src={url} alt={ref.name} />}
      {ref && (
        <a className="attachment-name" href={url ?? undefined} target="_blank" rel="noreferrer" title={`${ref.name} (${kib(ref.size)})`}>
          {image ? '' : '📄 '}{ref.name || 'file'}
        </a>
      )}
      {progress && <progress className="attachment-progress" max={progress.total} value={progress.sent} aria-label={`uploading ${ref?.name}`} />}
      {error && <span className="attachment-error" role="alert">{error}</span>}
      <label className="attachment-pick" title="Attach a photo or a report (PDF)">
        {ref ? 'Replace' : 'Attach'}
        <input type="file" accept="image/*,application/pdf" onChange={choose} data-testid={`attach-${student.id}`} hidden />
      </label>
    </div>
  );
}
