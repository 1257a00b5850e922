// The API's interactive documentation (/api/v1/docs): Swagger UI on the generated OpenAPI document.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    // No deep links: a link inside each operation's toggle button would nest one control in another.
    deepLinking: false,
    // Examples in plain text: the highlighter's colours fall below WCAG AA contrast on its dark background.
    syntaxHighlight: { activated: false },
    presets: [SwaggerUIBundle.presets.apis],
    // Tokens are typed in "Authorize" for this page only: never stored by the browser.
    persistAuthorization: false,
    tryItOutEnabled: false
  });
  // Code examples scroll sideways: keyboard users reach them (a scrollable region must take focus).
  new MutationObserver(function () {
    root.querySelectorAll("pre:not([tabindex])").forEach(function (pre) {
      pre.setAttribute("tabindex", "0");
    });
  }).observe(root, { childList: true, subtree: true });
})();
