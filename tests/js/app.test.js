// The web reader's logic that needs no browser: view state in the URL, ordering, marks.
// Run: node --test tests/js/
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const app = require("../../arxiv_digest/site/static/app.js");

test("a view's state goes into the URL and comes back the same", () => {
  const state = { tag: "量子 计算&x", cat: "cs.SD", section: "new", min: 40, sort: "score", unread: true };
  const query = app.stateQuery(state);
  assert.match(query, /^\?/);
  assert.deepEqual(app.parseState(query), state);
});

test("the default view has no query at all", () => {
  assert.equal(app.stateQuery(app.parseState("")), "");
  assert.equal(app.stateQuery(app.parseState("?sort=arxiv&min=0")), "");
});

test("a hand-edited URL is read within bounds", () => {
  const state = app.parseState("?min=900&section=deleted&sort=random&unread=yes");
  assert.equal(state.min, 100);
  assert.equal(state.section, "");
  assert.equal(state.sort, "arxiv");
  assert.equal(state.unread, false);
  assert.equal(app.parseState("?min=abc").min, 0);
});

test("filters: tag, category, section, minimum score, unread", () => {
  const paper = { tags: ["纠缠"], cats: ["quant-ph", "cs.LG"], section: "new", score: 55, read: false };
  const base = app.parseState("");
  assert.ok(app.visible(paper, base));
  assert.ok(app.visible(paper, { ...base, tag: "纠缠", cat: "cs.LG", section: "new", min: 55 }));
  assert.ok(!app.visible(paper, { ...base, tag: "传感" }));
  assert.ok(!app.visible(paper, { ...base, cat: "cs.SD" }));
  assert.ok(!app.visible(paper, { ...base, section: "replaced" }));
  assert.ok(!app.visible(paper, { ...base, min: 56 }));
  assert.ok(!app.visible({ ...paper, score: null }, { ...base, min: 1 }));
  assert.ok(!app.visible({ ...paper, read: true }, { ...base, unread: true }));
});

test("sort by score puts unscored papers last and keeps arXiv's order among equals", () => {
  const papers = [
    { n: 1, score: 10 }, { n: 2, score: null }, { n: 3, score: 80 }, { n: 4, score: 10 },
  ];
  assert.deepEqual(app.order(papers, "score").map((p) => p.n), [3, 1, 4, 2]);
  assert.deepEqual(app.order(papers, "arxiv").map((p) => p.n), [1, 2, 3, 4]);
  assert.deepEqual(papers.map((p) => p.n), [1, 2, 3, 4]); // not sorted in place
});

test("marks toggle, export and import, and merge without losing either side", () => {
  let marks = app.emptyMarks();
  marks = app.toggle(marks, "read", "2504.17830", {}, 5);
  marks = app.toggle(marks, "star", "hep-ex/0307015", { title: "T", href: "2026-04-27/cl.html", date: "2026-04-27", group: "cl" }, 6);
  const exported = JSON.stringify(marks);
  const back = app.parseMarks(exported);
  assert.deepEqual(back, marks);
  const other = app.toggle(app.emptyMarks(), "read", "2401.00001", {}, 7);
  const merged = app.mergeMarks(back, other);
  assert.deepEqual(Object.keys(merged.read).sort(), ["2401.00001", "2504.17830"]);
  assert.equal(merged.star["hep-ex/0307015"].title, "T");
  assert.ok(!app.toggle(merged, "read", "2504.17830", {}, 8).read["2504.17830"]);
});

test("an imported file is checked: junk ids, links off the site and wrong shapes are refused", () => {
  assert.throws(() => app.parseMarks("[1, 2]"));
  assert.throws(() => app.parseMarks("not json"));
  const marks = app.parseMarks(JSON.stringify({
    read: { "<img src=x>": 1, "2504.17830": 3 },
    star: { "2504.17830": { title: "x", href: "https://evil.example/" }, "2504.1": { title: "y" } },
  }));
  assert.deepEqual(Object.keys(marks.read), ["2504.17830"]);
  assert.deepEqual(Object.keys(marks.star), ["2504.17830"]);
  assert.equal(marks.star["2504.17830"].href, "");
});
