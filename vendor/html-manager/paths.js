// Loaded between require.js and embed-amd.js (see nb_ipywidgets_js in _config.yml).
// The widget manager finds its icon fonts next to the module path RequireJS gives it,
// which by default is relative to the page. Point that path at this folder, so the
// fonts load from the book's own files on every page, whatever its depth.
(function () {
  var here = document.currentScript.src.split("?")[0];
  var folder = here.slice(0, here.lastIndexOf("/"));
  require.config({ paths: { "@jupyter-widgets/html-manager/dist": folder } });
})();
