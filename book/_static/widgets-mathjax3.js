/*
 * Loaded just before the ipywidgets HTML manager (see nb_ipywidgets_js in _config.yml).
 *
 * The widget controls typeset their labels with the MathJax 2 call
 *     MathJax.Hub.Queue(["Typeset", MathJax.Hub, element])
 * whenever window.MathJax exists. The book loads MathJax 3, which has no MathJax.Hub,
 * so on a page with both equations and widgets every label would throw a TypeError.
 * This forwards those calls to MathJax 3's typesetPromise.
 *
 * Deferred scripts (MathJax 3 is one) run before DOMContentLoaded, and the widgets are
 * drawn on window load, after it: so this runs once MathJax 3 has replaced its
 * configuration object with the real MathJax global, and before any label is typeset.
 */
document.addEventListener("DOMContentLoaded", function () {
  var mathjax = window.MathJax;
  if (!mathjax || mathjax.Hub || !mathjax.version) {
    return;
  }
  mathjax.Hub = {
    Queue: function () {
      Array.prototype.forEach.call(arguments, function (job) {
        if (!Array.isArray(job) || job[0] !== "Typeset") {
          return;
        }
        var element = job[2];
        mathjax.startup.promise
          .then(function () {
            return mathjax.typesetPromise(element ? [element] : undefined);
          })
          .catch(function (error) {
            console.warn("MathJax could not typeset a widget label:", error);
          });
      });
    },
  };
});
