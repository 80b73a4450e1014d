/* derive serve: the page's script.
 *
 * Plain JavaScript, no framework, nothing loaded from elsewhere (the server's CSP allows only this
 * origin).  Server and user text is only ever inserted as text (textContent, text nodes); MathML
 * from /render is parsed as XML and rebuilt here from an allowlist of MathML elements and
 * attributes before it reaches the page.
 */
"use strict";

(() => {
  const MATHML_NS = "http://www.w3.org/1998/Math/MathML";
  // the MathML the page inserts (derive/serve/mathml.py allows the same on the server side)
  const ELEMENTS = new Set([
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "mfrac", "msqrt", "mroot", "msub", "msup",
    "msubsup", "munder", "mover", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom",
    "semantics", "annotation", "merror", "menclose",
  ]);
  const ATTRIBUTES = new Set([
    "display", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace", "form", "largeop",
    "movablelimits", "accent", "accentunder", "linethickness", "columnalign", "rowalign", "columnspacing",
    "rowspacing", "displaystyle", "scriptlevel", "width", "height", "depth", "notation", "minsize", "maxsize",
    "symmetric", "encoding",
  ]);
  const MAX_DEPTH = 256;
  const MAX_FORMULAS = 64; // the server renders at most this many formulas a request

  const OPS = ["grad", "hessian", "jacobian", "check", "integrate", "taylor", "directional", "critical", "convex",
    "kkt", "codegen", "shape"];
  const PLOTS = new Set(["grad", "jacobian", "hessian", "critical", "kkt", "integrate", "taylor", "directional"]);
  const WITH_STEPS = new Set(["grad", "jacobian", "hessian", "check"]); // --steps
  const WITH_EXPLAIN = new Set(["integrate", "taylor", "directional"]); // --explain
  const KERNELS = { grad: "grad", hessian: "hessian", jacobian: "jacobian" };
  // the fields each operation takes, in the form's order
  const FIELDS = {
    grad: ["wrt", "at"],
    hessian: ["wrt", "at"],
    jacobian: ["wrt", "at"],
    check: ["wrt", "kind", "claim"],
    integrate: ["wrt", "from", "to"],
    taylor: ["wrt", "at", "order"],
    directional: ["wrt", "at", "u"],
    critical: ["wrt"],
    convex: ["wrt"],
    kkt: ["sense", "wrt", "st"],
    codegen: ["wrt", "what", "backend"],
    shape: [],
  };
  const CHECK_KIND_FIELDS = { integral: ["from", "to"], taylor: ["at", "order"], directional: ["at", "u"] };
  const STATE_KEYS = ["op", "f", "let", "wrt", "sense", "kind", "claim", "at", "u", "from", "to", "order", "what",
    "backend"];
  const OP_NAMES = {
    grad: "gradient", hessian: "Hessian", jacobian: "Jacobian", check: "check", integrate: "integral",
    taylor: "Taylor polynomial", directional: "directional derivative", critical: "critical points",
    convex: "convexity", kkt: "KKT points", codegen: "kernel code", shape: "shape",
  };
  const WHAT_NAMES = {
    value: "value", grad: "gradient", jacobian: "Jacobian", hessian: "Hessian", hvp: "Hessian-vector product",
    fused: "value and gradient",
  };
  const MISTAKES = {
    factor: "a wrong factor", sign: "a flipped sign", transpose: "a transpose", missing_term: "a missing term",
    extra_term: "an extra term", chain_rule: "a missing chain-rule factor", needs_assumption: "an assumption",
    shape: "a shape clash",
  };

  const $ = (id) => document.getElementById(id);

  /* ---------- small DOM helpers: text only, never markup ---------- */

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") el.className = value;
      else el.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  function block(title, ...children) {
    return h("div", { class: "block" }, title ? h("h4", null, title) : null, ...children);
  }

  function para(...children) {
    return h("p", null, ...children);
  }

  function formatValue(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "string") return value;
    if (Array.isArray(value)) return matrixText(value);
    return JSON.stringify(value);
  }

  function matrixText(rows) {
    if (!Array.isArray(rows)) return String(rows);
    if (rows.every((r) => Array.isArray(r) && r.length === 1)) return `[${rows.map((r) => r[0]).join(", ")}]`;
    if (rows.every((r) => !Array.isArray(r))) return `[${rows.join(", ")}]`;
    return `[${rows.map((r) => (Array.isArray(r) ? `[${r.join(", ")}]` : String(r))).join(", ")}]`;
  }

  function pointText(point) {
    if (!point || typeof point !== "object") return formatValue(point);
    return Object.entries(point).map(([k, v]) => `${k} = ${formatValue(v)}`).join(", ");
  }

  /* ---------- MathML: parsed as XML, rebuilt from the allowlist ---------- */

  function rebuildMath(markup) {
    if (typeof markup !== "string" || !markup || markup.length > 400000) return null;
    let doc;
    try {
      doc = new DOMParser().parseFromString(markup, "application/xml");
    } catch (_) {
      return null;
    }
    if (doc.getElementsByTagName("parsererror").length) return null;
    const root = doc.documentElement;
    if (!root || root.namespaceURI !== MATHML_NS || root.localName !== "math") return null;
    return copyMath(root, 0);
  }

  function copyMath(node, depth) {
    if (depth > MAX_DEPTH) throw new Error("MathML nested too deeply");
    const el = document.createElementNS(MATHML_NS, node.localName);
    for (const attr of Array.from(node.attributes)) {
      if (!attr.namespaceURI && ATTRIBUTES.has(attr.name)) el.setAttribute(attr.name, attr.value);
    }
    for (const child of Array.from(node.childNodes)) {
      if (child.nodeType === Node.TEXT_NODE || child.nodeType === Node.CDATA_SECTION_NODE) {
        el.appendChild(document.createTextNode(child.nodeValue));
      } else if (child.nodeType === Node.ELEMENT_NODE && child.namespaceURI === MATHML_NS &&
                 ELEMENTS.has(child.localName)) {
        el.appendChild(copyMath(child, depth + 1));
      } // anything else (another namespace, a comment, a processing instruction) is dropped
    }
    return el;
  }

  function safeMath(markup) {
    try {
      return rebuildMath(markup);
    } catch (_) {
      return null;
    }
  }

  /* ---------- the server ---------- */

  async function postJSON(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
    let obj = null;
    try {
      obj = await response.json();
    } catch (_) {
      obj = null;
    }
    return { status: response.status, obj, exit: response.headers.get("X-Derive-Exit") };
  }

  function letList(text) {
    const t = (text || "").trim();
    return t ? [t] : [];
  }

  /* Formulas to render: each shows its text at once and its MathML once /render answers. */
  class Formulas {
    constructor(lets) {
      this.lets = lets;
      this.jobs = [];
    }

    add(text, options) {
      const opts = options || {};
      const source = typeof text === "string" ? text : matrixText(text);
      const box = h(opts.inline ? "span" : "div", {
        class: `formula${opts.inline ? " inline" : ""}${opts.className ? ` ${opts.className}` : ""}`,
        "data-text": source,
      }, h("code", null, source));
      this.jobs.push({ box, text: source, inline: !!opts.inline, astext: null });
      if (!opts.withText) return box;
      const astext = h("div", { class: "astext", hidden: true }, "as text: ", h("code", null, source));
      this.jobs[this.jobs.length - 1].astext = astext;
      const wrap = document.createDocumentFragment();
      wrap.append(box, astext);
      return wrap;
    }

    /* LaTeX derive printed itself (a step's before and after): drawn by latex2mathml on the server */
    addLatex(latex, fallback, options) {
      const opts = options || {};
      const box = h(opts.inline ? "span" : "div", {
        class: `formula${opts.inline ? " inline" : ""}${opts.className ? ` ${opts.className}` : ""}`,
        "data-text": fallback,
      }, h("code", null, fallback));
      this.jobs.push({ box, text: null, latex, inline: !!opts.inline, astext: null });
      return box;
    }

    async render() {
      const jobs = this.jobs.filter((j) => (j.text && j.text.length < 20000) || (j.latex && j.latex.length < 20000));
      for (let start = 0; start < jobs.length; start += MAX_FORMULAS) {
        const chunk = jobs.slice(start, start + MAX_FORMULAS);
        const texts = chunk.filter((j) => j.text);
        const latex = chunk.filter((j) => !j.text);
        let reply;
        try {
          reply = await postJSON("/render", {
            formulas: texts.map((j) => j.text), let: this.lets, typed: latex.map((j) => j.latex),
          });
        } catch (_) {
          return;
        }
        if (reply.status !== 200 || !reply.obj || !Array.isArray(reply.obj.mathml)) return;
        const typed = Array.isArray(reply.obj.typed) ? reply.obj.typed : [];
        const place = (job, markup) => {
          const math = safeMath(markup);
          if (!math) return; // the text stays
          math.setAttribute("display", job.inline ? "inline" : "block");
          job.box.replaceChildren(math);
          job.box.classList.add("rendered");
          if (job.astext) job.astext.hidden = false;
        };
        texts.forEach((job, k) => place(job, reply.obj.mathml[k]));
        latex.forEach((job, k) => place(job, typed[k]));
      }
    }
  }

  /* ---------- errors: always text ---------- */

  function errorBlock(status, obj, fallback) {
    const div = h("div", { class: "error" });
    let message = obj && typeof obj.error === "string" ? obj.error : fallback || `the server answered ${status}`;
    if (status === 504) message = `derive did not finish in time: ${message}`;
    else if (status === 413) message = `the input is too large: ${message}`;
    div.append(h("strong", null, "✗ "), message);
    const where = obj && obj.where;
    if (where && typeof where === "object" && typeof where.text === "string") {
      div.append(caretBlock(where.text, where.column, where.argument));
    }
    return div;
  }

  function caretBlock(text, column, argument) {
    const lines = [text];
    const col = Number(column);
    if (Number.isInteger(col) && col >= 1 && col <= text.length + 1 && !text.includes("\n")) {
      lines.push(`${" ".repeat(col - 1)}^`);
    }
    const pre = h("pre", { "aria-label": argument ? `where, in ${argument}` : "where" }, lines.join("\n"));
    return pre;
  }

  /* ---------- the form ---------- */

  function currentOp() {
    const op = $("op").value;
    return OPS.includes(op) ? op : "grad";
  }

  function visibleFields(op) {
    const fields = [...FIELDS[op]];
    if (op === "check") fields.push(...(CHECK_KIND_FIELDS[$("kind").value] || []));
    return fields;
  }

  function updateFields() {
    const shown = new Set(visibleFields(currentOp()));
    for (const el of document.querySelectorAll("[data-for]")) el.hidden = !shown.has(el.dataset.for);
    $("f").labels[0].textContent = currentOp() === "kkt" ? "Objective" : "Formula";
  }

  // the formula as one line (a newline typed into the box is a space)
  function formula() {
    return $("f").value.replace(/\s*\n\s*/g, " ").trim();
  }

  function calcArgs() {
    const op = currentOp();
    const args = {};
    const f = formula();
    if (op === "kkt") args[$("sense").value === "max" ? "max" : "min"] = f;
    else args.f = f;
    const lets = letList($("let").value);
    if (lets.length) args.let = lets;
    for (const name of visibleFields(op)) {
      if (name === "sense") continue;
      if (name === "st") {
        const st = $("st").value.split("\n").map((s) => s.trim()).filter(Boolean);
        if (st.length) args.st = st;
        continue;
      }
      const value = $(name).value.trim();
      if (value) args[name] = value;
    }
    if (WITH_STEPS.has(op)) args.steps = true;
    if (WITH_EXPLAIN.has(op)) args.explain = true;
    return args;
  }

  function saveState() {
    const params = new URLSearchParams();
    const op = currentOp();
    if (formula()) {
      params.set("op", op);
      params.set("f", formula());
      if ($("let").value.trim()) params.set("let", $("let").value.trim());
      for (const name of visibleFields(op)) {
        if (name === "st") {
          for (const c of $("st").value.split("\n").map((s) => s.trim()).filter(Boolean)) params.append("st", c);
        } else if ($(name).value.trim()) {
          params.set(name, $(name).value.trim());
        }
      }
    }
    if ($("kernel-backend").value && $("kernel-backend").value !== "numba") params.set("backend_kernel", $("kernel-backend").value);
    // the server answers a query of up to 100 kB: a derivation whose encoded form (Greek letters and
    // symbols take 6-9 characters each) would pass 90 kB stays out of the address
    if ($("derivation").value.trim()) {
      const withDerivation = new URLSearchParams(params);
      withDerivation.set("derivation", $("derivation").value);
      if ($("dlet").value.trim()) withDerivation.set("dlet", $("dlet").value.trim());
      if (withDerivation.toString().length < 90000) {
        params.set("derivation", $("derivation").value);
        if ($("dlet").value.trim()) params.set("dlet", $("dlet").value.trim());
      }
    }
    const query = params.toString();
    try {
      history.replaceState(null, "", query ? `/?${query}` : "/");
    } catch (_) {
      /* a URL too long for the browser: the page works without it */
    }
  }

  function loadState() {
    const params = new URLSearchParams(location.search);
    for (const key of STATE_KEYS) {
      if (!params.has(key)) continue;
      const el = $(key);
      const value = params.get(key);
      if (el.tagName === "SELECT") {
        if (Array.from(el.options).some((o) => o.value === value)) el.value = value;
      } else {
        el.value = value;
      }
    }
    if (params.has("st")) $("st").value = params.getAll("st").join("\n");
    if (params.has("derivation")) $("derivation").value = params.get("derivation");
    if (params.has("dlet")) $("dlet").value = params.get("dlet");
    if (params.has("backend_kernel") && [...$("kernel-backend").options].some((o) => o.value === params.get("backend_kernel"))) {
      $("kernel-backend").value = params.get("backend_kernel");
    }
    updateFields();
    return { calc: !!$("f").value.trim(), derivation: !!$("derivation").value.trim() };
  }

  /* ---------- the live preview of what derive read ---------- */

  let previewTimer = 0;
  let previewSeq = 0;

  function looksLikeLatex(text) {
    return /\\[A-Za-z]|[\^_]\{|\$/.test(text);
  }

  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(preview, 300);
  }

  async function preview() {
    const seq = ++previewSeq;
    const text = formula();
    const mathBox = $("preview-math");
    const typedRow = $("preview-typed-row");
    const errorBox = $("preview-error");
    if (!text) {
      mathBox.replaceChildren();
      typedRow.hidden = true;
      errorBox.hidden = true;
      $("preview").removeAttribute("data-state");
      return;
    }
    const latex = looksLikeLatex(text);
    let reply;
    try {
      reply = await postJSON("/render", { formulas: [text], let: letList($("let").value), typed: latex ? text : null });
    } catch (_) {
      return;
    }
    if (seq !== previewSeq) return; // a newer preview is on its way
    if (reply.status !== 200 || !reply.obj) {
      errorBox.replaceChildren(errorBlock(reply.status, reply.obj));
      errorBox.hidden = false;
      return;
    }
    const obj = reply.obj;
    const math = safeMath((obj.mathml || [])[0]);
    const error = (obj.errors || [])[0];
    if (math) {
      mathBox.replaceChildren(math);
      mathBox.setAttribute("data-text", text);
      errorBox.hidden = true;
      errorBox.replaceChildren();
      $("preview").setAttribute("data-state", "ok");
    } else {
      mathBox.replaceChildren();
      const message = typeof error === "string" ? error : "derive could not read this";
      const column = /^column (\d+)/.exec(message);
      errorBox.replaceChildren(h("strong", null, "derive cannot read this: "), message);
      if (column) errorBox.append(caretBlock(text, column[1]));
      errorBox.hidden = false;
      $("preview").setAttribute("data-state", "error");
    }
    const typed = latex ? safeMath(obj.typed) : null;
    if (typed) {
      $("preview-typed").replaceChildren(typed);
      typedRow.hidden = false;
    } else {
      $("preview-typed").replaceChildren();
      typedRow.hidden = true;
    }
  }

  /* ---------- running an operation ---------- */

  let runSeq = 0;

  async function runCalc() {
    const op = currentOp();
    const f = formula();
    const answer = $("answer");
    const status = $("answer-status");
    const body = $("answer-body");
    answer.hidden = false;
    if (!f) {
      status.className = "status";
      status.textContent = "";
      body.replaceChildren(errorBlock(0, null, op === "kkt" ? "type the objective first" : "type a formula first"));
      $("f").focus();
      return;
    }
    const seq = ++runSeq;
    const args = calcArgs();
    saveState();
    answer.setAttribute("aria-busy", "true");
    answer.dataset.state = "working";
    delete answer.dataset.rendered;
    status.className = "status working";
    status.textContent = `Working on the ${OP_NAMES[op]}…`;
    body.replaceChildren();
    $("plot").hidden = true;
    $("plot-img").removeAttribute("src");
    $("json-out").textContent = "";
    $("json-details").open = false;
    $("kernel").hidden = true;

    let reply;
    try {
      reply = await postJSON(`/api/${op}`, args);
    } catch (_) {
      if (seq !== runSeq) return;
      finish(answer, "error");
      status.className = "status";
      status.textContent = "✗ no answer";
      body.replaceChildren(errorBlock(0, null, "the server did not answer (is derive serve still running?)"));
      return;
    }
    if (seq !== runSeq) return;
    $("json-out").textContent = reply.obj ? JSON.stringify(reply.obj, null, 2) : "";
    if (reply.status !== 200 || !reply.obj || typeof reply.obj !== "object" || typeof reply.obj.error === "string") {
      finish(answer, "error");
      status.className = "status";
      status.textContent = reply.status === 504 ? "✗ out of time"
        : reply.status === 422 ? "✗ derive could not validate this" : "✗ derive cannot answer this";
      body.replaceChildren(errorBlock(reply.status, reply.obj));
      return;
    }
    const formulas = new Formulas(args.let || []);
    const view = VIEWS[op] || genericView;
    let summary;
    try {
      summary = view(reply.obj, formulas, body, args);
    } catch (exc) {
      summary = "answered (shown as JSON below)";
      body.replaceChildren(para(`This answer has no picture here (${exc && exc.message}); its JSON is below.`));
      $("json-details").open = true;
    }
    // a verdict box says it already: the status line is then for screen readers only
    status.className = body.querySelector(".verdict") ? "status visually-hidden" : "status";
    status.textContent = summary;
    finish(answer, reply.obj.ok === false ? "wrong" : "done");
    const rendering = formulas.render(); // first in the server's queue: the answer's own formulas
    // derive plots derivatives in scalar variables only: no plot request for matrix or index notation
    const scalar = !reply.obj.notation || reply.obj.notation === "components";
    if (PLOTS.has(op) && scalar) showPlot(op, args, seq);
    if (KERNELS[op]) loadKernel(args, KERNELS[op], seq);
    if (op === "codegen") showKernel(reply.obj, null);
    await rendering;
    if (seq === runSeq) answer.dataset.rendered = "true";
  }

  function finish(answer, state) {
    answer.removeAttribute("aria-busy");
    answer.dataset.state = state;
    delete answer.dataset.rendered;
  }

  function validationLine(validation) {
    if (validation === null || validation === undefined) return null;
    let text = validation;
    let bad = false;
    if (typeof validation === "object") {
      text = validation.message || validation.status || JSON.stringify(validation);
      bad = validation.ok === false;
    }
    return h("p", { class: `validation${bad ? " bad" : ""}` }, String(text));
  }

  /* the rules one derivative went through (--steps): each line checked numerically */
  function stepsBlock(steps, formulas, title) {
    if (!steps || !Array.isArray(steps.entries) || !steps.entries.length) return null;
    const total = steps.entries.reduce((n, e) => n + ((e.steps || []).length), 0);
    const details = h("details", { class: "steps-details" }, h("summary", null, title || `Steps (${total})`));
    if (total <= 12) details.open = true;
    for (const entry of steps.entries) {
      const list = h("ol", { class: "steps" });
      for (const step of entry.steps || []) {
        list.append(h("li", null,
          h("span", { class: "rule" }, step.rule || "step"),
          step.relation && step.relation !== "=" ? ` (${step.relation})` : "",
          step.latex && step.latex.before && step.latex.after && (!step.relation || step.relation === "=")
            ? formulas.addLatex(`${step.latex.before} = ${step.latex.after}`, `${step.before}  =  ${step.after}`,
              { className: "step-formula" })
            : h("div", { class: "line-text" }, h("code", null, `${step.before}  →  ${step.after}`)),
          step.note ? h("div", { class: "note" }, step.note) : null));
      }
      details.append(block(entry.entry ? `${entry.entry}: ${entry.start || ""}` : entry.start, list));
    }
    if (steps.checked) details.append(h("p", { class: "validation" }, steps.checked));
    return details;
  }

  function derivativeView(obj, formulas, body, args) {
    const name = OP_NAMES[obj.kind] || obj.kind || "derivative";
    const wrt = (obj.wrt || []).join(", ");
    const result = formulas.add(typeof obj.result === "string" ? obj.result : matrixText(obj.result),
      { className: "result", withText: true });
    body.append(block(`The ${name} of`, formulas.add(obj.f || args.f)),
      block(`with respect to ${wrt || "every symbol"}`, result));
    if (obj.free_indices) body.append(para(`free indices: ${obj.free_indices}`));
    if (obj.at && obj.at.point) {
      const at = block(`at ${pointText(obj.at.point)}`, formulas.add(obj.at.exact));
      if (obj.at.undefined && obj.at.undefined.length) {
        at.append(para(`undefined there: ${formatValue(obj.at.undefined)}`));
      }
      if (obj.at.check) at.append(validationLine(obj.at.check));
      body.append(at);
    }
    body.append(validationLine(obj.validation) || para("not validated"));
    const steps = stepsBlock(obj.steps, formulas);
    if (steps) body.append(steps);
    const shape = Array.isArray(obj.shape) ? ` (${obj.shape.join(" × ")})` : "";
    return `${name[0].toUpperCase()}${name.slice(1)}${shape} with respect to ${wrt || "every symbol"}: checked.`;
  }

  function checkView(obj, formulas, body) {
    const ok = obj.ok === true;
    const mistake = obj.mistake ? (MISTAKES[obj.mistake] || obj.mistake.replace(/_/g, " ")) : "";
    const verdict = h("div", { class: `verdict ${ok ? "ok" : "wrong"}`, "data-status": obj.status || "",
      "data-mistake": obj.mistake || "" },
      h("strong", null, ok ? "✓ correct" : `✗ ${obj.status || "wrong"}${mistake ? ` — ${mistake}` : ""}`),
      obj.explanation ? para(obj.explanation) : null);
    body.append(verdict);
    const pair = h("div", { class: "pair" });
    pair.append(h("div", null, block(obj.kind === "integral" ? "derive's integral" : "derive's answer",
      formulas.add(obj.expected, { className: "expected" }))));
    if (obj.as_written && obj.as_written !== obj.claimed) {
      pair.append(h("div", null, block("the claim", formulas.add(obj.as_written, { className: "claimed" }),
        h("div", { class: "hint" }, "its abbreviations written out:"), formulas.add(obj.claimed))));
    } else {
      pair.append(h("div", null, block("the claim", formulas.add(obj.claimed, { className: "claimed" }))));
    }
    body.append(pair);
    if (obj.counterexample) {
      const values = Array.isArray(obj.values) ? obj.values : [];
      const text = values.length === 2
        ? `at ${pointText(obj.counterexample)}: derive's answer is ${values[0]}, the claim gives ${values[1]}`
        : `at ${pointText(obj.counterexample)}`;
      body.append(block("Counterexample", h("p", { class: "counterexample" }, text)));
    }
    if (obj.step) {
      const where = block("Where it goes wrong", para(obj.step.text || obj.step.rule || ""));
      if (obj.step.expected || obj.step.claimed) {
        where.append(h("div", { class: "pair" },
          h("div", null, block("the rule gives", formulas.add(obj.step.expected || ""))),
          h("div", null, block("the claim has", formulas.add(obj.step.claimed || "")))));
      }
      body.append(where);
    }
    const details = (obj.details || []).filter((d) => d && d.explanation);
    if (details.length > 1) {
      const items = details.map((d) => h("li", null, `${d.entry}: ${d.explanation}`));
      body.append(block("Entry by entry", h("ul", null, items)));
    }
    if (Array.isArray(obj.bounds)) body.append(para(`from ${obj.bounds[0]} to ${obj.bounds[1]}`));
    if (obj.evidence) body.append(h("p", { class: "validation" }, obj.evidence));
    const steps = stepsBlock(obj.steps, formulas, "How derive derives it");
    if (steps) body.append(steps);
    return ok ? `✓ correct: ${obj.explanation || ""}` : `✗ ${obj.status || "wrong"}: ${obj.explanation || ""}`;
  }

  function integrateView(obj, formulas, body) {
    const definite = (obj.a !== null && obj.a !== undefined) || (obj.b !== null && obj.b !== undefined);
    const exact = obj.value !== null && obj.value !== undefined;
    body.append(block(definite ? `The integral from ${obj.a} to ${obj.b} of` : "An antiderivative of",
      formulas.add(obj.f), para(`with respect to ${obj.x}`)));
    if (definite && exact) {
      body.append(block("is", formulas.add(obj.value, { className: "result", withText: true }),
        obj.numeric !== null && obj.numeric !== undefined ? para(`≈ ${obj.numeric}`) : null));
      if (obj.antiderivative) body.append(block("using the antiderivative", formulas.add(obj.antiderivative)));
    } else if (definite) {
      body.append(block("is numerically (no closed form found)",
        para(`≈ ${obj.numeric}${obj.error !== null && obj.error !== undefined ? ` (error estimate ${obj.error})` : ""}`)));
    } else if (obj.antiderivative) {
      body.append(block("is (+ C)", formulas.add(obj.antiderivative, { className: "result", withText: true })));
    } else if (obj.numeric !== null && obj.numeric !== undefined) {
      body.append(block("is numerically", para(`${obj.numeric} (error estimate ${obj.error})`)));
    }
    if (obj.condition) body.append(para(`when ${obj.condition}`));
    if (obj.method) body.append(para(`method: ${obj.method}`));
    if (Array.isArray(obj.steps) && obj.steps.length) {
      body.append(block("Steps", h("ol", { class: "steps" }, obj.steps.map((s) =>
        h("li", null, h("span", { class: "rule" }, s.rule || ""),
          s.text ? h("div", { class: "note" }, s.text) : null)))));
    }
    if (Array.isArray(obj.notes) && obj.notes.length) {
      body.append(block("Notes", h("ul", null, obj.notes.map((n) => h("li", null, n)))));
    }
    body.append(validationLine(obj.validation));
    if (obj.explanation) body.append(explainBlock(obj.explanation));
    if (definite) return exact ? `Integral: ${obj.value}` : `Integral: ≈ ${obj.numeric} (numerical)`;
    return `Antiderivative: ${obj.antiderivative || "not found in closed form"}`;
  }

  function explainBlock(text) {
    const details = h("details", null, h("summary", null, "How it was found and checked"),
      h("pre", { class: "explain", tabindex: "0" }, text));
    return details;
  }

  function taylorView(obj, formulas, body) {
    body.append(block(`The Taylor polynomial of order ${obj.order} of`, formulas.add(obj.f),
      para(`at ${pointText(obj.at)}`)));
    body.append(block("is", formulas.add(obj.polynomial, { className: "result", withText: true })));
    if (Array.isArray(obj.terms) && obj.terms.length) {
      body.append(block("Term by term", h("ol", { class: "steps", start: "0" }, obj.terms.map((t, k) =>
        h("li", null, h("span", { class: "rule" }, `order ${k}: `), formulas.add(t, { inline: true }))))));
    }
    const at = h("div", { class: "pair" });
    if (obj.value !== undefined) at.append(h("div", null, block("f(a)", formulas.add(obj.value))));
    if (obj.gradient) at.append(h("div", null, block("∇f(a)", formulas.add(obj.gradient))));
    if (obj.hessian) at.append(h("div", null, block("H(a)", formulas.add(obj.hessian))));
    if (at.childElementCount) body.append(at);
    if (obj.formula) body.append(para(obj.formula));
    body.append(validationLine(obj.validation));
    if (obj.explanation) body.append(explainBlock(obj.explanation));
    return `Taylor polynomial of order ${obj.order}: ${obj.polynomial}`;
  }

  function directionalView(obj, formulas, body) {
    body.append(block(`The derivative of`, formulas.add(obj.f),
      para(`at ${pointText(obj.at)} along u = ${formatValue(obj.u)}${obj.normalized ? " (made a unit vector)" : ""}`)));
    body.append(block("is", formulas.add(obj.value, { className: "result", withText: true }),
      obj.numeric !== undefined ? para(`≈ ${obj.numeric}`) : null));
    const pair = h("div", { class: "pair" });
    if (obj.gradient) pair.append(h("div", null, block("∇f(a)", formulas.add(obj.gradient))));
    if (obj.unit_u) pair.append(h("div", null, block("u / |u|", formulas.add(obj.unit_u))));
    if (obj.steepest) pair.append(h("div", null, block("steepest ascent", formulas.add(obj.steepest))));
    if (obj.rate) pair.append(h("div", null, block("at the rate", formulas.add(obj.rate))));
    body.append(pair);
    if (obj.critical) body.append(para("a is a critical point: the gradient is 0 there."));
    if (obj.explanation) body.append(block("Why", h("p", { class: "explain-text" }, obj.explanation.trim())));
    body.append(validationLine(obj.validation));
    return `Directional derivative: ${obj.value}`;
  }

  function pointsTable(points, formulas, columns) {
    const head = h("tr", null, columns.map((c) => h("th", { scope: "col" }, c[0])));
    const table = h("table", null, h("thead", null, head));
    const tbody = h("tbody");
    for (const p of points) tbody.append(h("tr", null, columns.map((c) => h("td", null, c[1](p)))));
    table.append(tbody);
    return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "points" }, table);
  }

  function criticalView(obj, formulas, body) {
    body.append(block("Critical points of", formulas.add(obj.f),
      para(`with respect to ${(obj.wrt || []).join(", ")}`)));
    const points = obj.points || [];
    if (points.length) {
      body.append(pointsTable(points, formulas, [
        ["point", (p) => pointText(p.x)],
        ["kind", (p) => p.kind || ""],
        ["f there", (p) => formulas.add(p.value || "", { inline: true })],
        ["why", (p) => [p.reason || "", p.when ? ` (when ${p.when})` : ""]],
        ["eigenvalues", (p) => formatValue(p.eigenvalues)],
      ]));
    } else {
      body.append(para("no critical points found"));
    }
    if (Array.isArray(obj.cases) && obj.cases.length) {
      body.append(block("Cases", h("pre", { class: "explain" }, JSON.stringify(obj.cases, null, 2))));
    }
    if (obj.note) body.append(para(obj.note));
    return `${points.length} critical point${points.length === 1 ? "" : "s"}`;
  }

  function convexView(obj, formulas, body) {
    body.append(block("Is it convex?", formulas.add(obj.f)),
      h("div", { class: `verdict ${obj.convex ? "ok" : "wrong"}` },
        h("strong", null, obj.status || String(obj.convex))));
    if (obj.hessian) body.append(block("Hessian", formulas.add(obj.hessian)));
    if (Array.isArray(obj.argument) && obj.argument.length) {
      body.append(block("Argument", h("ol", { class: "steps" }, obj.argument.map((a) => h("li", null, a.text || "",
        a.math ? formulas.add(a.math) : null)))));
    }
    if (obj.counterexample) body.append(block("Counterexample", para(formatValue(obj.counterexample))));
    if (obj.evidence) body.append(h("p", { class: "validation" }, obj.evidence));
    if (obj.note) body.append(para(obj.note));
    return `Convexity: ${obj.status}`;
  }

  function kktView(obj, formulas, body) {
    const problem = obj.problem || {};
    body.append(block(`${problem.sense === "max" ? "Maximize" : "Minimize"}`, formulas.add(problem.objective || "")));
    if (Array.isArray(problem.constraints) && problem.constraints.length) {
      body.append(block("subject to", h("ul", null, problem.constraints.map((c) =>
        h("li", null, h("code", null, c.text || c.expr), c.multiplier ? ` (multiplier ${c.multiplier})` : "")))));
    }
    if (problem.lagrangian) body.append(block("Lagrangian", formulas.add(problem.lagrangian)));
    const points = obj.points || [];
    if (points.length) {
      body.append(block("KKT points", pointsTable(points, formulas, [
        ["point", (p) => pointText(p.x)],
        ["multipliers", (p) => pointText(p.multipliers)],
        ["value", (p) => formulas.add(p.value || "", { inline: true })],
        ["kind", (p) => p.kind || ""],
        ["notes", (p) => (p.notes || []).join("; ")],
      ])));
    } else {
      body.append(para("no KKT points found"));
    }
    if (problem.conditions) {
      const list = h("ul");
      for (const [name, items] of Object.entries(problem.conditions)) {
        list.append(h("li", null, `${name}: `, h("code", null, (items || []).join(", "))));
      }
      body.append(h("details", null, h("summary", null, "The KKT conditions"), list));
    }
    if (obj.note) body.append(para(obj.note));
    return `${points.length} KKT point${points.length === 1 ? "" : "s"}`;
  }

  function codegenView(obj, formulas, body) {
    const what = WHAT_NAMES[obj.what] || obj.what;
    body.append(para(`A ${obj.backend} kernel of the ${what}: kernel(${(obj.args || []).join(", ")}) → shape `,
      h("code", null, formatValue(obj.shape)), ". Its source is below."));
    return `Kernel source (${obj.backend}, ${WHAT_NAMES[obj.what] || obj.what})`;
  }

  function genericView(obj, formulas, body) {
    const list = h("dl", { class: "generic" });
    for (const [key, value] of Object.entries(obj)) {
      if (value === null || typeof value === "object") continue;
      list.append(h("dt", null, key), h("dd", null, String(value)));
    }
    if (list.childElementCount) body.append(list);
    body.append(para("Everything derive answered is in the JSON below."));
    $("json-details").open = true;
    return "Answered.";
  }

  const VIEWS = {
    grad: derivativeView, hessian: derivativeView, jacobian: derivativeView, check: checkView,
    integrate: integrateView, taylor: taylorView, directional: directionalView, critical: criticalView,
    convex: convexView, kkt: kktView, codegen: codegenView,
  };

  /* ---------- the plot: an <img> of /plot.svg (same origin) ---------- */

  function plotURL(op, args) {
    const params = new URLSearchParams();
    params.set("op", op);
    for (const [key, value] of Object.entries(args)) {
      if (key === "steps" || key === "explain") continue;
      if (Array.isArray(value)) for (const v of value) params.append(key, v);
      else params.set(key, String(value));
    }
    return `/plot.svg?${params.toString()}`;
  }

  function showPlot(op, args, seq) {
    const figure = $("plot");
    const img = $("plot-img");
    const caption = $("plot-caption");
    img.alt = `plot of the ${OP_NAMES[op]} of ${args.f || args.min || args.max || ""}`;
    caption.textContent = "Drawing the plot…";
    figure.hidden = false;
    img.hidden = false;
    const onLoad = () => {
      if (seq !== runSeq) return;
      caption.textContent = `The ${OP_NAMES[op]}, drawn by derive.`;
      figure.dataset.state = "loaded";
    };
    const onError = () => {
      if (seq !== runSeq) return;
      img.hidden = true;
      caption.textContent = "No plot for this answer.";
      figure.dataset.state = "none";
    };
    img.onload = null;
    img.addEventListener("load", onLoad, { once: true });
    img.addEventListener("error", onError, { once: true });
    delete figure.dataset.state;
    img.src = plotURL(op, args);
  }

  /* ---------- kernel source ---------- */

  let kernelArgs = null;

  async function loadKernel(args, what, seq) {
    kernelArgs = { args, what };
    const request = { f: args.f, what, backend: $("kernel-backend").value };
    if (args.wrt) request.wrt = args.wrt;
    if (args.let) request.let = args.let;
    $("kernel").hidden = false;
    $("kernel-what").textContent = `The ${WHAT_NAMES[what] || what} as a ${request.backend} kernel (derive codegen).`;
    $("kernel-source").textContent = "Writing the kernel…";
    $("kernel-error").hidden = true;
    let reply;
    try {
      reply = await postJSON("/api/codegen", request);
    } catch (_) {
      return;
    }
    if (seq !== runSeq) return;
    if (reply.status === 200 && reply.obj && typeof reply.obj.source === "string") {
      showKernel(reply.obj, what);
    } else {
      $("kernel-source").textContent = "";
      $("kernel-error").replaceChildren(errorBlock(reply.status, reply.obj));
      $("kernel-error").hidden = false;
    }
  }

  function showKernel(obj, what) {
    if (!obj || typeof obj.source !== "string") return;
    $("kernel").hidden = false;
    $("kernel-error").hidden = true;
    const name = WHAT_NAMES[obj.what || what] || obj.what || what;
    $("kernel-what").textContent = `The ${name} as a ${obj.backend} kernel: kernel(${(obj.args || []).join(", ")}).`;
    $("kernel-source").textContent = obj.source;
    $("kernel-copied").textContent = "";
    $("kernel").querySelector(".kernel-bar label").hidden = !what;
    $("kernel-backend").hidden = !what;
  }

  async function copyKernel() {
    const text = $("kernel-source").textContent;
    const note = $("kernel-copied");
    try {
      if (!navigator.clipboard || !window.isSecureContext) throw new Error("no clipboard");
      await navigator.clipboard.writeText(text);
      note.textContent = "Copied.";
    } catch (_) {
      const range = document.createRange();
      range.selectNodeContents($("kernel-source"));
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      $("kernel-source").focus();
      note.textContent = "Selected: press Ctrl+C (⌘C) to copy.";
    }
  }

  /* ---------- checking a derivation ---------- */

  let stepsSeq = 0;
  const STATUS_MARK = { ok: ["✓", "right"], wrong: ["✗", "wrong"], unparsed: ["?", "could not be read"] };

  async function runSteps() {
    const text = $("derivation").value;
    const result = $("derivation-result");
    const status = $("derivation-status");
    const body = $("derivation-body");
    result.hidden = false;
    if (!text.trim()) {
      status.textContent = "";
      body.replaceChildren(errorBlock(0, null, "paste a derivation first"));
      $("derivation").focus();
      return;
    }
    const seq = ++stepsSeq;
    const args = { derivation: text };
    const lets = letList($("dlet").value);
    if (lets.length) args.let = lets;
    saveState();
    result.setAttribute("aria-busy", "true");
    result.dataset.state = "working";
    delete result.dataset.rendered;
    status.className = "status working";
    status.textContent = "Checking the derivation…";
    body.replaceChildren();
    $("derivation-json").textContent = "";
    let reply;
    try {
      reply = await postJSON("/api/check-steps", args);
    } catch (_) {
      if (seq !== stepsSeq) return;
      finish(result, "error");
      status.className = "status";
      status.textContent = "✗ no answer";
      body.replaceChildren(errorBlock(0, null, "the server did not answer (is derive serve still running?)"));
      return;
    }
    if (seq !== stepsSeq) return;
    $("derivation-json").textContent = reply.obj ? JSON.stringify(reply.obj, null, 2) : "";
    status.className = "status";
    if (reply.status !== 200 || !reply.obj || !Array.isArray(reply.obj.derivations)) {
      finish(result, "error");
      status.textContent = reply.status === 504 ? "✗ out of time" : "✗ derive cannot check this";
      body.replaceChildren(errorBlock(reply.status, reply.obj));
      return;
    }
    const formulas = new Formulas(lets);
    const derivations = reply.obj.derivations;
    derivations.forEach((d, k) => body.append(derivationView(d, k, derivations.length, formulas)));
    const first = derivations.find((d) => !d.ok) || derivations[0];
    if (reply.obj.ok) status.textContent = `✓ ${first ? first.explanation : "every line is right"}`;
    else status.textContent = `✗ ${first ? first.explanation : "the derivation is wrong"}`;
    finish(result, reply.obj.ok ? "done" : "wrong");
    await formulas.render();
    if (seq === stepsSeq) result.dataset.rendered = "true";
  }

  function derivationView(d, index, count, formulas) {
    const box = h("div", { class: "derivation", "data-ok": String(!!d.ok) });
    if (count > 1 || d.title) box.append(h("h4", null, d.title || `derivation ${index + 1}`));
    if (d.unreadable || !Array.isArray(d.lines) || (!d.lines.length && !d.ok)) {
      box.append(h("div", { class: "error unreadable" }, h("strong", null, "? "),
        d.explanation || "the derivation could not be read"));
      return box;
    }
    if (d.f) {
      box.append(block(`The derivative with respect to ${(d.wrt || []).join(", ")} of`, formulas.add(d.f)));
    }
    const list = h("ol", { class: "lines" });
    d.lines.forEach((line, k) => {
      const [mark, words] = STATUS_MARK[line.status] || ["?", line.status];
      const first = k === d.first_error;
      const id = `line-${index}-${k}`;
      const li = h("li", {
        class: `line ${line.status}${first ? " first-error" : ""}`,
        id,
        "data-status": line.status,
        "aria-current": first ? "step" : null,
        "aria-describedby": line.status !== "ok" ? `${id}-why` : null,
      }, h("span", { class: `mark ${line.status}`, role: "img", "aria-label": words }, mark));
      const lineBody = h("div", { class: "line-body" },
        h("span", { class: "line-text" }, h("code", null, line.text)),
        first ? h("span", { class: "badge" }, "first wrong line") : null);
      if (line.status !== "ok") {
        lineBody.append(h("div", { class: "line-explain", id: `${id}-why` },
          `${words}: ${line.explanation || ""}`));
        if (line.expr) {
          lineBody.append(h("div", { class: "astext" }, "derive read: ", formulas.add(line.expr, { inline: true })));
        }
      } else if (line.explanation) {
        lineBody.append(h("div", { class: "line-explain hint" }, line.explanation));
      }
      if (line.counterexample) {
        const words2 = line.counterexample.words || pointText(line.counterexample.values);
        lineBody.append(h("div", { class: "counterexample" }, `counterexample: ${words2}`));
      }
      li.append(lineBody);
      list.append(li);
    });
    box.append(list);
    if (d.derivative) box.append(block("derive's derivative", formulas.add(d.derivative)));
    if (d.final && d.final.ok === false && (d.first_error === null || d.first_error === undefined)) {
      box.append(h("div", { class: "verdict wrong" }, h("strong", null, "✗ the last line is not the derivative"),
        para(d.final.explanation || "")));
    }
    return box;
  }

  /* ---------- wiring ---------- */

  function onKeydown(event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    const target = event.target instanceof Element ? event.target : null;
    if (target && target.closest("#derivation-form")) {
      event.preventDefault();
      runSteps();
    } else if (target && target.closest("#calc-form")) {
      event.preventDefault();
      runCalc();
    }
  }

  function start() {
    $("calc-form").addEventListener("submit", (event) => {
      event.preventDefault();
      runCalc();
    });
    $("derivation-form").addEventListener("submit", (event) => {
      event.preventDefault();
      runSteps();
    });
    document.addEventListener("keydown", onKeydown);
    $("op").addEventListener("change", updateFields);
    $("kind").addEventListener("change", updateFields);
    $("f").addEventListener("input", schedulePreview);
    $("let").addEventListener("input", schedulePreview);
    $("kernel-copy").addEventListener("click", copyKernel);
    $("kernel-backend").addEventListener("change", () => {
      if (kernelArgs) loadKernel(kernelArgs.args, kernelArgs.what, runSeq);
    });
    const state = loadState();
    document.documentElement.dataset.ready = "true";
    if (state.calc) {
      preview();
      runCalc();
    }
    if (state.derivation) runSteps();
  }

  // the allowlist rebuild, for the page's tests (tests/test_serve_page.py): it returns a new element, inserts nothing
  window.derivePage = Object.freeze({ rebuildMath: safeMath });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
