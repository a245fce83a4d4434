// The release wasm's strtod (wasm/libc_overrides.cpp) converts the decimal number it found with
// the host's Number(): correctly rounded (V8, SpiderMonkey and JavaScriptCore all round
// exactly), with no 128-bit long-double arithmetic in the wasm. Linked with --js-library
// (wasm/flags.cmake), release build only.
// addToLibrary where this Emscripten has it (3.1.34 and later); mergeInto before that.
(typeof addToLibrary === 'function' ? addToLibrary : (lib) => mergeInto(LibraryManager.library, lib))({
  // Number() of the ASCII text [ptr, ptr + len): a decimal number strtod's scan accepted.
  syncore_parse_decimal__sig: 'dii',
  syncore_parse_decimal: function (ptr, len) {
    var text = '';
    for (var i = 0; i < len; i++) text += String.fromCharCode(HEAPU8[ptr + i]);
    return Number(text);
  },
});
