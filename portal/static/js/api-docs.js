// The API docs page: Swagger UI (vendored from npm by `make assets`) over /api/openapi.json.
document.addEventListener("DOMContentLoaded", function () {
  var target = document.getElementById("swagger-ui");
  if (!target || typeof SwaggerUIBundle === "undefined") { return; }
  SwaggerUIBundle({ url: target.dataset.specUrl, domNode: target, deepLinking: false });
});
