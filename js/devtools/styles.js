// The panel's own styles, scoped under .sdt-root so they neither take nor leak the app's.
export const DEVTOOLS_CSS = `
.sdt-root{all:initial;display:block;box-sizing:border-box;font:12px/1.45 ui-sans-serif,system-ui,-apple-system,"Segoe UI",sans-serif;color:#e5e7eb;background:#111827;border:1px solid #374151;border-radius:10px;overflow:auto;max-height:100%;}
.sdt-root *{box-sizing:border-box;}
.sdt-root header{display:flex;align-items:center;gap:8px;padding:8px 12px;border-bottom:1px solid #374151;background:#0b1220;position:sticky;top:0;z-index:1;}
.sdt-root header h2{font-size:13px;margin:0;font-weight:700;letter-spacing:.02em;color:#f9fafb;}
.sdt-root header .sdt-muted{margin-left:auto;}
.sdt-root .sdt-status{display:flex;align-items:center;gap:8px;padding:8px 12px 0;font-weight:600;}
.sdt-root .sdt-dot{width:9px;height:9px;border-radius:50%;background:#9ca3af;flex:none;}
.sdt-root [data-tone="ok"] .sdt-dot{background:#22c55e;}
.sdt-root [data-tone="warn"] .sdt-dot{background:#f59e0b;}
.sdt-root [data-tone="off"] .sdt-dot{background:#6b7280;}
.sdt-root .sdt-facts{display:flex;flex-wrap:wrap;gap:4px 16px;margin:6px 0;padding:0 12px;}
.sdt-root .sdt-facts div{display:flex;gap:4px;}
.sdt-root dt{color:#9ca3af;margin:0;}
.sdt-root dd{margin:0;color:#f3f4f6;}
.sdt-root .sdt-section{border-top:1px solid #1f2937;}
.sdt-root summary{display:flex;justify-content:space-between;align-items:center;cursor:pointer;padding:6px 12px;font-weight:600;color:#d1d5db;list-style:none;}
.sdt-root summary::-webkit-details-marker{display:none;}
.sdt-root summary::before{content:"▸";margin-right:6px;color:#6b7280;}
.sdt-root details[open]>summary::before{content:"▾";}
.sdt-root summary>span:first-of-type{margin-right:auto;}
.sdt-root .sdt-count{background:#374151;border-radius:999px;padding:0 7px;font-variant-numeric:tabular-nums;}
.sdt-root .sdt-body{padding:0 12px 8px;}
.sdt-root .sdt-empty,.sdt-root .sdt-muted{color:#9ca3af;margin:2px 0;}
.sdt-root .sdt-lanes{display:flex;flex-wrap:wrap;gap:4px 12px;margin-bottom:4px;color:#9ca3af;}
.sdt-root .sdt-lane b{color:#e5e7eb;font-weight:600;}
.sdt-root .sdt-table{width:100%;border-collapse:collapse;}
.sdt-root .sdt-table th{text-align:left;color:#9ca3af;font-weight:500;padding:2px 6px 2px 0;border-bottom:1px solid #1f2937;}
.sdt-root .sdt-table td{padding:3px 6px 3px 0;border-bottom:1px solid #1f2937;vertical-align:top;}
.sdt-root .sdt-mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:11px;color:#c7d2fe;word-break:break-all;}
.sdt-root .sdt-tag{display:inline-block;border-radius:4px;padding:0 5px;background:#374151;color:#e5e7eb;font-size:11px;}
.sdt-root .sdt-in-flight{background:#1d4ed8;}
.sdt-root .sdt-retrying{background:#b45309;}
.sdt-root .sdt-pending{background:#4b5563;}
.sdt-root .sdt-bad{background:#b91c1c;}
.sdt-root .sdt-warn{background:#a16207;}
.sdt-root .sdt-list{list-style:none;margin:0;padding:0;display:grid;gap:6px;}
.sdt-root .sdt-item{background:#1f2937;border-radius:6px;padding:6px 8px;display:grid;gap:4px;}
.sdt-root .sdt-message{color:#fca5a5;}
.sdt-root .sdt-error{color:#fca5a5;margin:4px 0;}
.sdt-root .sdt-versions{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:6px;margin:0;}
.sdt-root .sdt-buttons{display:flex;gap:6px;flex-wrap:wrap;}
.sdt-root button{font:inherit;font-size:11px;font-weight:600;color:#f9fafb;background:#374151;border:1px solid #4b5563;border-radius:5px;padding:2px 9px;cursor:pointer;}
.sdt-root button:hover{background:#4b5563;}
.sdt-root button:focus-visible,.sdt-root textarea:focus-visible{outline:2px solid #818cf8;outline-offset:1px;}
.sdt-root button.sdt-danger{border-color:#7f1d1d;background:#450a0a;}
.sdt-root .sdt-editor{width:100%;min-height:70px;font:11px/1.4 ui-monospace,Menlo,Consolas,monospace;color:#f9fafb;background:#0b1220;border:1px solid #4b5563;border-radius:5px;padding:6px;}
.sdt-root .sdt-timeline{list-style:none;margin:0;padding:0;max-height:220px;overflow:auto;}
.sdt-root .sdt-timeline li{display:grid;grid-template-columns:88px 140px 1fr;gap:6px;padding:2px 0;border-bottom:1px solid #1f2937;}
.sdt-root .sdt-timeline time{color:#9ca3af;font-variant-numeric:tabular-nums;}
`;
