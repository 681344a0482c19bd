// The API docs page: Swagger UI (vendored from npm by `make assets`) over /api/openapi.json.
//
// Two things the vendored UI gets wrong inside the portal's page, fixed here without editing it:
// - Its BaseLayout puts the operations in a <main>, inside the portal's own <main>: a page has
//   one main landmark (HTML: no <main> inside another). JobbroDocsLayout is the same layout
//   with a <section> (a named region) instead.
// - Its controls ("Try it out", "Execute", "Parameters", "Responses") are English, while the
//   page is lang="da": the container says lang="en" (templates/api/docs.html), and the texts
//   that come from our spec, which are Danish (descriptions, summaries), get lang="da" here, also when Swagger UI draws them later (an operation opened).
(function () {
  "use strict";

  // Elements whose text is the spec's own (Danish), not Swagger UI's (English): descriptions
  // (Markdown, but not the "Default value"/"Available values" lines Swagger UI writes with the
  // same class) and the operations' summaries. Names (tags, schemas, paths) are identifiers.
  var SPEC_TEXT = [
    ".markdown", ".renderedMarkdown:not(.parameter__default):not(.parameter__enum)",
    ".opblock-summary-description", ".info__summary",
  ].join(", ");

  function markSpecText(root) {
    var found = root.querySelectorAll(SPEC_TEXT);
    for (var i = 0; i < found.length; i++) {
      if (found[i].getAttribute("lang") !== "da") { found[i].setAttribute("lang", "da"); }
    }
  }

  // BaseLayout of swagger-ui 5 (core/components/layouts/base.jsx), its <main> made a <section>.
  function layoutPlugin(system) {
    var React = system.React;
    var h = React.createElement;

    class JobbroDocsLayout extends React.Component {
      render() {
        var props = this.props;
        var specSelectors = props.specSelectors, errSelectors = props.errSelectors;
        var get = props.getComponent;
        var SvgAssets = get("SvgAssets"), InfoContainer = get("InfoContainer", true);
        var VersionPragmaFilter = get("VersionPragmaFilter"), Operations = get("operations", true);
        var Models = get("Models", true), Webhooks = get("Webhooks", true);
        var Row = get("Row"), Col = get("Col"), Errors = get("errors", true);
        var ServersContainer = get("ServersContainer", true), SchemesContainer = get("SchemesContainer", true);
        var AuthorizeBtnContainer = get("AuthorizeBtnContainer", true), FilterContainer = get("FilterContainer", true);
        var isOAS31 = specSelectors.isOAS31(), isOAS32 = specSelectors.isOAS32 ? specSelectors.isOAS32() : false;
        var status = specSelectors.loadingStatus();
        var waiting = null;
        if (status === "loading") {
          waiting = h("div", { className: "info" }, h("div", { className: "loading-container" }, h("div", { className: "loading" })));
        } else if (status === "failed") {
          waiting = h("div", { className: "info" }, h("div", { className: "loading-container" },
            h("h2", { className: "title", lang: "da" }, "Beskrivelsen kunne ikke hentes."), h(Errors)));
        } else if (status === "failedConfig") {
          var error = errSelectors.lastError();
          waiting = h("div", { className: "info failed-config" }, h("div", { className: "loading-container" },
            h("h2", { className: "title", lang: "da" }, "Opsætningen kunne ikke hentes."),
            h("p", null, error ? error.get("message") : "")));
        } else if (!specSelectors.specStr()) {
          waiting = h("p", { lang: "da" }, "Ingen API-beskrivelse.");
        }
        if (waiting) {
          return h("div", { className: "swagger-ui" }, h("div", { className: "loading-container" }, waiting));
        }
        var servers = specSelectors.servers(), schemes = specSelectors.schemes();
        var hasServers = servers && servers.size, hasSchemes = schemes && schemes.size;
        var hasSecurity = !!specSelectors.securityDefinitions();
        var full = { mobile: 12, desktop: 12 };
        return h("div", { className: "swagger-ui" },
          h(SvgAssets),
          h(VersionPragmaFilter, {
            isSwagger2: specSelectors.isSwagger2(), isOAS3: specSelectors.isOAS3(), isOAS31: isOAS31,
            isOAS32: isOAS32, alsoShow: h(Errors),
          },
          h(Errors),
          h(Row, { className: "information-container" }, h(Col, { mobile: 12 }, h(InfoContainer))),
          hasServers || hasSchemes || hasSecurity ? h("div", { className: "scheme-container" },
            h(Col, { className: "schemes wrapper", mobile: 12 },
              hasServers || hasSchemes ? h("div", { className: "schemes-server-container" },
                hasServers ? h(ServersContainer) : null, hasSchemes ? h(SchemesContainer) : null) : null,
              hasSecurity ? h(AuthorizeBtnContainer) : null)) : null,
          h(FilterContainer),
          h("section", { id: "operations", "aria-label": "Endpoints", tabIndex: "-1", style: { outline: "none" } },
            h(Row, null, h(Col, full, h(Operations))),
            isOAS31 || isOAS32 ? h(Row, { className: "webhooks-container" }, h(Col, full, h(Webhooks))) : null,
            h(Row, null, h(Col, full, h(Models))))));
      }
    }

    return { components: { JobbroDocsLayout: JobbroDocsLayout } };
  }

  function start() {
    var target = document.getElementById("swagger-ui");
    if (!target || typeof SwaggerUIBundle === "undefined") { return; }
    new MutationObserver(function () { markSpecText(target); }).observe(target, { childList: true, subtree: true });
    SwaggerUIBundle({
      url: target.dataset.specUrl, domNode: target, deepLinking: false,
      plugins: [layoutPlugin], layout: "JobbroDocsLayout",
    });
  }

  if (typeof document !== "undefined") { document.addEventListener("DOMContentLoaded", start); }

  if (typeof module !== "undefined") {  // node, for the tests
    module.exports = { layoutPlugin: layoutPlugin, markSpecText: markSpecText, SPEC_TEXT: SPEC_TEXT };
  }
}());
