"""/api/docs inside the portal's page: one main landmark, and each text in its own language.

Swagger UI 5's layout puts the operations in a ``<main>``, which would sit inside the portal's
own ``<main>`` (HTML allows one; axe: landmark-no-duplicate-main), and its English controls sat
in a ``lang="da"`` page. static/js/api-docs.js swaps in the same layout with a ``<section>``; the
container is ``lang="en"``, the portal's chrome stays ``lang="da"``.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import lxml.html

from tests.conftest import missing_dependency

ROOT = Path(__file__).resolve().parents[2]

# Loads api-docs.js in node with stand-ins for the browser and Swagger UI, starts the page and
# renders the layout the page asks Swagger UI for, then prints the tags of every element drawn.
NODE_SCRIPT = r"""
const path = process.argv[1];
let onReady = null, config = null;
const target = {dataset: {specUrl: "/api/openapi.json"}};
global.document = {
  getElementById: (id) => (id === "swagger-ui" ? target : null),
  addEventListener: (name, fn) => { if (name === "DOMContentLoaded") { onReady = fn; } },
};
global.MutationObserver = class { observe() {} };
global.SwaggerUIBundle = (options) => { config = options; };
require(path);
onReady();
class Component { constructor(props) { this.props = props; } }
const createElement = (type, props, ...children) => ({type, props: props || {}, children});
const React = {Component, createElement};
const components = Object.assign({}, ...config.plugins.map((plugin) => plugin({React}).components || {}));
const Layout = components[config.layout];
const yes = () => true;
const props = {
  getComponent: (name) => name,
  errSelectors: {lastError: () => null},
  specSelectors: {isSwagger2: () => false, isOAS3: yes, isOAS31: yes, isOAS32: () => false,
                  loadingStatus: () => "success", specStr: () => "{}", servers: () => ({size: 1}),
                  schemes: () => ({size: 0}), securityDefinitions: () => ({})},
};
const tags = [];
const walk = (node) => {
  if (!node || typeof node !== "object") { return; }
  if (Array.isArray(node)) { node.forEach(walk); return; }
  tags.push(typeof node.type === "string" ? node.type + (node.props.id ? "#" + node.props.id : "") : node.type);
  walk(node.children);
  walk(node.props.alsoShow);
};
walk(new Layout(props).render());
console.log(JSON.stringify({layout: config.layout, tags}));
"""


def _rendered_layout() -> dict:
    node = shutil.which("node")
    if node is None:
        missing_dependency("node is missing (apt-get install -y nodejs)")
    script = ROOT / "portal" / "static" / "js" / "api-docs.js"
    out = subprocess.run([node, "-e", NODE_SCRIPT, str(script)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_the_docs_layout_draws_no_second_main_landmark():
    drawn = _rendered_layout()
    assert drawn["layout"] != "BaseLayout"
    assert "main" not in [tag.split("#")[0] for tag in drawn["tags"]]
    # Still the whole of Swagger UI's layout: the operations, their region, the schemas.
    assert {"section#operations", "operations", "Models", "InfoContainer", "FilterContainer"} <= set(drawn["tags"])


def test_the_docs_page_is_danish_and_swaggers_english_controls_are_marked_english(client, auth, make_user):
    user = make_user("consultant")
    auth.login(user.email)
    doc = lxml.html.fromstring(client.get("/api/docs").get_data(as_text=True))
    assert doc.get("lang") == "da"
    assert len(doc.xpath("//main")) == 1
    swagger = doc.get_element_by_id("swagger-ui")
    assert swagger.getparent().tag == "main" or swagger.xpath("ancestor::main")
    assert swagger.get("lang") == "en"
    assert doc.xpath("//h1")[0].xpath("string(ancestor-or-self::*[@lang][1]/@lang)") == "da"

