// The API's interactive documentation (/api/v1/docs): Swagger UI on the generated OpenAPI document.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    // Tokens are typed in "Authorize" for this page only: never stored by the browser.
    persistAuthorization: false,
    tryItOutEnabled: false
  });
})();
