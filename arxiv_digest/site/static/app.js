/* arxiv-digest web reader: filters, marks, keys, math and search on top of plain HTML pages.
   The pure parts (view state, ordering, marks) are exported for `node --test`; the rest runs
   only in a browser. Nothing here talks to any host but the site's own. */
(function () {
  "use strict";

  var MARKS_KEY = "arxiv-digest:marks";
  var THEME_KEY = "arxiv-digest:theme";
  var DEFAULTS = { tag: "", cat: "", section: "", min: 0, sort: "arxiv", unread: false };

  /* -- view state <-> URL query ---------------------------------------------------------- */
  function parseState(search) {
    var params = new URLSearchParams(search || "");
    var min = parseInt(params.get("min") || "0", 10);
    var section = params.get("section") || "";
    return {
      tag: params.get("tag") || "",
      cat: params.get("cat") || "",
      section: section === "new" || section === "replaced" ? section : "",
      min: isFinite(min) ? Math.max(0, Math.min(100, min)) : 0,
      sort: params.get("sort") === "score" ? "score" : "arxiv",
      unread: params.get("unread") === "1",
    };
  }

  function stateQuery(state) {
    var params = new URLSearchParams();
    Object.keys(DEFAULTS).forEach(function (key) {
      var value = state[key];
      if (value === DEFAULTS[key] || value === undefined || value === null) return;
      params.set(key, key === "unread" ? "1" : String(value));
    });
    var query = params.toString();
    return query ? "?" + query : "";
  }

  /* paper: {tags: [..], cats: [..], section, score (number|null), read (bool)} */
  function visible(paper, state) {
    if (state.tag && paper.tags.indexOf(state.tag) < 0) return false;
    if (state.cat && paper.cats.indexOf(state.cat) < 0) return false;
    if (state.section && paper.section !== state.section) return false;
    if (state.min > 0 && !(paper.score !== null && paper.score >= state.min)) return false;
    if (state.unread && paper.read) return false;
    return true;
  }

  /* papers: [{n, score}] in one section; a new array, highest score first (unscored last,
     arXiv's order among equals) or in arXiv's order */
  function order(papers, sort) {
    var copy = papers.slice();
    copy.sort(function (a, b) {
      if (sort === "score") {
        var sa = a.score === null ? -1 : a.score;
        var sb = b.score === null ? -1 : b.score;
        if (sa !== sb) return sb - sa;
      }
      return a.n - b.n;
    });
    return copy;
  }

  /* -- read and star marks ---------------------------------------------------------------- */
  function emptyMarks() {
    return { version: 1, read: {}, star: {} };
  }

  var ID = /^(?:\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?\/\d{7})$/;

  /* A marks object from JSON text (an export, or localStorage); throws on anything else. */
  function parseMarks(text) {
    var data = JSON.parse(text);
    if (!data || typeof data !== "object" || Array.isArray(data)) {
      throw new Error("not an arxiv-digest marks file");
    }
    var marks = emptyMarks();
    var read = data.read || {};
    var star = data.star || {};
    if (typeof read !== "object" || typeof star !== "object") {
      throw new Error("not an arxiv-digest marks file");
    }
    Object.keys(read).forEach(function (id) {
      if (ID.test(id)) marks.read[id] = Number(read[id]) || 1;
    });
    Object.keys(star).forEach(function (id) {
      var s = star[id];
      if (!ID.test(id) || !s || typeof s !== "object") return;
      marks.star[id] = {
        title: String(s.title || id).slice(0, 500),
        href: typeof s.href === "string" && /^[0-9]{4}-[0-9]{2}-[0-9]{2}\/[^:]*$/.test(s.href) ? s.href : "",
        date: String(s.date || "").slice(0, 10),
        group: String(s.group || "").slice(0, 100),
        at: Number(s.at) || 0,
      };
    });
    return marks;
  }

  /* Both sets of marks: a paper read or starred in either stays so. */
  function mergeMarks(a, b) {
    var out = emptyMarks();
    [a, b].forEach(function (m) {
      Object.keys(m.read).forEach(function (id) {
        out.read[id] = Math.max(out.read[id] || 0, m.read[id]);
      });
      Object.keys(m.star).forEach(function (id) {
        if (!out.star[id] || (m.star[id].at || 0) > (out.star[id].at || 0)) out.star[id] = m.star[id];
      });
    });
    return out;
  }

  function toggle(marks, kind, id, info, now) {
    var out = mergeMarks(marks, emptyMarks());
    if (out[kind][id]) delete out[kind][id];
    else out[kind][id] = kind === "read" ? now : Object.assign({ at: now }, info);
    return out;
  }

  var api = {
    parseState: parseState, stateQuery: stateQuery, visible: visible, order: order,
    parseMarks: parseMarks, mergeMarks: mergeMarks, toggle: toggle, emptyMarks: emptyMarks,
  };
  if (typeof module === "object" && module.exports) {
    module.exports = api;
    return;
  }

  /* ====================================== browser ========================================= */
  var doc = document;
  var root = doc.body.dataset.root || "";

  function loadMarks() {
    try {
      return parseMarks(localStorage.getItem(MARKS_KEY) || "{}");
    } catch (e) {
      return emptyMarks();
    }
  }
  function saveMarks(marks) {
    try {
      localStorage.setItem(MARKS_KEY, JSON.stringify(marks));
    } catch (e) { /* private mode: marks last for this page only */ }
  }
  var marks = loadMarks();

  /* -- theme ---------------------------------------------------------------------------- */
  function setupTheme() {
    var button = doc.getElementById("theme");
    if (!button) return;
    button.hidden = false;
    function dark() {
      var t = doc.documentElement.dataset.theme;
      return t ? t === "dark" : matchMedia("(prefers-color-scheme: dark)").matches;
    }
    function label() {
      button.textContent = dark() ? "☀" : "☾";
      button.setAttribute("aria-label", dark() ? "浅色模式" : "深色模式");
    }
    button.addEventListener("click", function () {
      var next = dark() ? "light" : "dark";
      doc.documentElement.dataset.theme = next;
      try { localStorage.setItem(THEME_KEY, next); } catch (e) { /* ignore */ }
      label();
    });
    label();
  }

  /* -- math ------------------------------------------------------------------------------ */
  function typesetMath() {
    if (!window.katex) return;
    var spans = doc.querySelectorAll("span.tex");
    for (var i = 0; i < spans.length; i++) {
      var span = spans[i];
      var source = span.textContent;
      var display = span.classList.contains("display");
      var tex = source.replace(/^(\$\$|\$|\\\(|\\\[)/, "").replace(/(\$\$|\$|\\\)|\\\])$/, "");
      try {
        window.katex.render(tex, span, { throwOnError: false, displayMode: false, strict: "ignore" });
        span.title = source;
        span.classList.add("typeset");
      } catch (e) {
        span.textContent = source; /* throwOnError is off; this is for anything else */
      }
      if (display) span.classList.add("display");
    }
  }

  /* -- a day page: papers, filters, sort -------------------------------------------------- */
  var articles = Array.prototype.slice.call(doc.querySelectorAll("article.paper"));
  var main = doc.querySelector("main.digest");

  function paperOf(el) {
    var score = el.dataset.score;
    var tags = [];
    try { tags = JSON.parse(el.dataset.tags || "[]"); } catch (e) { tags = []; }
    return {
      el: el, id: el.dataset.id, n: parseInt(el.dataset.n, 10), section: el.dataset.section,
      score: score === undefined ? null : parseInt(score, 10), tags: tags,
      cats: (el.dataset.cats || "").split(" ").filter(Boolean), read: !!marks.read[el.dataset.id],
    };
  }

  function fillSelect(select, values) {
    values.forEach(function (v) {
      var option = doc.createElement("option");
      option.value = v;
      option.textContent = v;
      select.appendChild(option);
    });
  }

  function setupFilters() {
    var form = doc.getElementById("filters");
    if (!form || !articles.length) return;
    var papers = articles.map(paperOf);
    var tags = {}, cats = {};
    papers.forEach(function (p) {
      p.tags.forEach(function (t) { tags[t] = (tags[t] || 0) + 1; });
      p.cats.forEach(function (c) { cats[c] = (cats[c] || 0) + 1; });
    });
    function byCount(counts) {
      return Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a] || (a < b ? -1 : 1); });
    }
    fillSelect(form.elements.tag, byCount(tags));
    fillSelect(form.elements.cat, byCount(cats));
    if (!papers.some(function (p) { return p.score !== null; })) {
      form.elements.min.closest("label").hidden = true;
      form.elements.sort.closest("label").hidden = true;
    }
    var state = parseState(location.search);
    function toForm() {
      ["tag", "cat", "section", "sort"].forEach(function (k) {
        var select = form.elements[k];
        if (state[k] && !Array.prototype.some.call(select.options, function (o) { return o.value === state[k]; })) {
          fillSelect(select, [state[k]]); /* a shared link's tag that this day lacks */
        }
        select.value = state[k];
      });
      form.elements.min.value = state.min ? String(state.min) : "";
      form.elements.unread.checked = state.unread;
    }
    function fromForm() {
      return parseState(stateQuery({
        tag: form.elements.tag.value, cat: form.elements.cat.value,
        section: form.elements.section.value, min: parseInt(form.elements.min.value || "0", 10) || 0,
        sort: form.elements.sort.value, unread: form.elements.unread.checked,
      }).slice(1));
    }
    function apply() {
      var shown = 0;
      papers.forEach(function (p) {
        p.read = !!marks.read[p.id];
        p.el.hidden = !visible(p, state);
        if (!p.el.hidden) shown++;
      });
      doc.querySelectorAll("section.papers").forEach(function (section) {
        var mine = papers.filter(function (p) { return p.el.parentNode === section; });
        order(mine, state.sort).forEach(function (p) { section.appendChild(p.el); });
        section.hidden = mine.every(function (p) { return p.el.hidden; });
      });
      doc.getElementById("shown").textContent = "显示 " + shown + " / " + papers.length + " 篇";
    }
    form.hidden = false;
    toForm();
    apply();
    form.addEventListener("change", function () {
      state = fromForm();
      history.replaceState(null, "", location.pathname + stateQuery(state) + location.hash);
      apply();
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.addEventListener("reset", function () {
      setTimeout(function () {
        state = parseState("");
        history.replaceState(null, "", location.pathname + location.hash);
        toForm();
        apply();
      });
    });
    window.addEventListener("arxiv-digest:marks", function () { if (state.unread) apply(); });
  }

  /* -- marks on a day page ---------------------------------------------------------------- */
  function paint(el) {
    var id = el.dataset.id;
    el.classList.toggle("is-read", !!marks.read[id]);
    el.classList.toggle("is-starred", !!marks.star[id]);
    var read = el.querySelector("button.mark-read");
    var star = el.querySelector("button.mark-star");
    if (read) { read.textContent = marks.read[id] ? "✓ 已读" : "标为已读"; read.setAttribute("aria-pressed", String(!!marks.read[id])); }
    if (star) { star.textContent = marks.star[id] ? "★ 已收藏" : "☆ 收藏"; star.setAttribute("aria-pressed", String(!!marks.star[id])); }
  }

  function mark(el, kind) {
    var link = el.querySelector("a.title");
    var info = {
      title: link ? link.textContent : el.dataset.id,
      href: main ? main.dataset.date + "/" + location.pathname.split("/").pop() : "",
      date: main ? main.dataset.date : "", group: main ? main.dataset.group : "",
    };
    marks = toggle(loadMarks(), kind, el.dataset.id, info, Date.now());
    saveMarks(marks);
    paint(el);
    window.dispatchEvent(new Event("arxiv-digest:marks"));
  }

  function setupMarks() {
    articles.forEach(function (el) {
      var bar = doc.createElement("p");
      bar.className = "acts";
      bar.setAttribute("data-pagefind-ignore", "");
      ["read", "star"].forEach(function (kind) {
        var b = doc.createElement("button");
        b.type = "button";
        b.className = "mark-" + kind;
        b.addEventListener("click", function () { mark(el, kind); });
        bar.appendChild(b);
      });
      el.appendChild(bar);
      paint(el);
    });
  }

  /* -- keys -------------------------------------------------------------------------------- */
  var current = -1;
  function shownArticles() {
    return Array.prototype.slice.call(doc.querySelectorAll("article.paper")).filter(function (el) {
      return !el.hidden && !el.parentNode.hidden;
    });
  }
  function move(step) {
    var list = shownArticles();
    if (!list.length) return;
    var at = list.indexOf(doc.querySelector("article.paper.current"));
    var next = at < 0 ? (step > 0 ? 0 : list.length - 1) : Math.max(0, Math.min(list.length - 1, at + step));
    list.forEach(function (el) { el.classList.remove("current"); });
    list[next].classList.add("current");
    list[next].scrollIntoView({ block: "start" });
    current = next;
  }
  function setupKeys() {
    doc.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      var tag = (e.target.tagName || "").toLowerCase();
      if (tag === "input" || tag === "select" || tag === "textarea" || e.target.isContentEditable) {
        if (e.key === "Escape") e.target.blur();
        return;
      }
      var el = doc.querySelector("article.paper.current");
      if (e.key === "/") {
        var q = doc.getElementById("q");
        if (q && !q.closest("[hidden]")) { e.preventDefault(); q.focus(); }
      } else if (e.key === "j") move(1);
      else if (e.key === "k") move(-1);
      else if (el && e.key === "o") window.open(el.querySelector("a.title").href, "_blank", "noopener");
      else if (el && e.key === "x") mark(el, "read");
      else if (el && e.key === "s") mark(el, "star");
    });
  }

  /* -- search (Pagefind, loaded on first use) ------------------------------------------------ */
  var pagefind = null;
  function loadPagefind() {
    /* one index per month (newest first in months.json); the newest is loaded, the rest merged */
    if (!pagefind) {
      var base = new URL(root, location.href);
      var options = { baseUrl: base.pathname };
      pagefind = fetch(new URL("pagefind/months.json", base).href).then(function (r) {
        if (!r.ok) throw new Error("no search index");
        return r.json();
      }).then(function (months) {
        var bundle = function (m) { return new URL("pagefind/" + m + "/", base).pathname; };
        return import(bundle(months[0]) + "pagefind.js").then(function (pf) {
          return pf.options(options).then(function () {
            return Promise.all(months.slice(1).map(function (m) { return pf.mergeIndex(bundle(m), options); }));
          }).then(function () { return pf; });
        });
      });
      pagefind.catch(function () { pagefind = null; });
    }
    return pagefind;
  }

  function text(html) {
    /* Pagefind's excerpt as text, its <mark>s kept as elements: no other markup gets through */
    var span = doc.createElement("span");
    String(html).split(/(<mark>|<\/mark>)/).reduce(function (inMark, piece) {
      if (piece === "<mark>") return true;
      if (piece === "</mark>") return false;
      var plainText = new DOMParser().parseFromString(piece, "text/html").body.textContent;
      var node = inMark ? doc.createElement("mark") : doc.createTextNode(plainText);
      if (inMark) node.textContent = plainText;
      span.appendChild(node);
      return inMark;
    }, false);
    return span;
  }

  function setupSearch() {
    var box = doc.querySelector(".search");
    if (!box || doc.body.dataset.search !== "on") return;
    box.hidden = false;
    var input = doc.getElementById("q");
    var group = doc.getElementById("q-group");
    var results = doc.getElementById("results");
    var timer = null, filled = false, asked = 0;

    function fillGroups(pf) {
      if (filled) return;
      filled = true;
      pf.filters().then(function (filters) {
        fillSelect(group, Object.keys(filters.group || {}).sort());
      });
    }
    function run() {
      var query = input.value.trim();
      var mine = ++asked;
      if (!query) { results.hidden = true; results.textContent = ""; return; }
      loadPagefind().then(function (pf) {
        fillGroups(pf);
        var options = group.value ? { filters: { group: group.value } } : {};
        return pf.search(query, options).then(function (found) {
          return Promise.all(found.results.slice(0, 8).map(function (r) { return r.data(); }))
            .then(function (pages) { return { total: found.results.length, pages: pages }; });
        });
      }).then(function (found) {
        if (mine !== asked) return;
        results.textContent = "";
        var head = doc.createElement("p");
        head.className = "r-count";
        head.textContent = found.total ? found.total + " 页有结果" : "没有结果";
        results.appendChild(head);
        found.pages.forEach(function (page) {
          var block = doc.createElement("section");
          block.className = "r-page";
          var h = doc.createElement("h4");
          h.textContent = (page.meta.date || "") + " " + (page.filters.group || [""])[0];
          block.appendChild(h);
          var subs = (page.sub_results || []).filter(function (s) { return s.url.indexOf("#") > 0 && !/#section-/.test(s.url); });
          (subs.length ? subs : [page]).slice(0, 5).forEach(function (s) {
            var a = doc.createElement("a");
            a.className = "r-hit";
            a.href = s.url;
            var t = doc.createElement("b");
            t.textContent = s.title || page.meta.title;
            a.appendChild(t);
            a.appendChild(text(s.excerpt));
            block.appendChild(a);
          });
          results.appendChild(block);
        });
        results.hidden = false;
      }).catch(function () {
        if (mine !== asked) return;
        results.textContent = "搜索索引加载失败";
        results.hidden = false;
      });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 200); });
    input.addEventListener("focus", function () { loadPagefind().then(fillGroups, function () {}); });
    group.addEventListener("change", run);
    doc.addEventListener("click", function (e) { if (!box.contains(e.target)) results.hidden = true; });
  }

  /* -- the starred page ----------------------------------------------------------------------- */
  function setupStarred() {
    var list = doc.getElementById("starred");
    if (!list) return;
    doc.querySelector(".noscript-note").hidden = true;
    function render() {
      list.textContent = "";
      var ids = Object.keys(marks.star).sort(function (a, b) {
        var sa = marks.star[a], sb = marks.star[b];
        return (sb.date || "").localeCompare(sa.date || "") || (sb.at || 0) - (sa.at || 0);
      });
      if (!ids.length) {
        var empty = doc.createElement("li");
        empty.textContent = "还没有收藏：在任一天的论文下点「☆ 收藏」或按 s。";
        list.appendChild(empty);
      }
      ids.forEach(function (id) {
        var s = marks.star[id];
        var li = doc.createElement("li");
        li.className = "starred" + (marks.read[id] ? " is-read" : "");
        var a = doc.createElement("a");
        a.href = s.href ? root + s.href + "#" + encodeURIComponent(id) : "https://arxiv.org/abs/" + id;
        a.textContent = s.title || id;
        var small = doc.createElement("small");
        small.textContent = " " + [s.date, s.group, "arXiv:" + id].filter(Boolean).join(" · ");
        var un = doc.createElement("button");
        un.type = "button";
        un.textContent = "取消收藏";
        un.addEventListener("click", function () {
          marks = toggle(loadMarks(), "star", id, {}, Date.now());
          saveMarks(marks);
          render();
        });
        li.appendChild(a);
        li.appendChild(small);
        li.appendChild(un);
        list.appendChild(li);
      });
    }
    render();
    var io = doc.querySelector(".marks-io");
    var status = doc.getElementById("io-status");
    io.hidden = false;
    doc.getElementById("export").addEventListener("click", function () {
      var blob = new Blob([JSON.stringify(loadMarks(), null, 1)], { type: "application/json" });
      var a = doc.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = "arxiv-digest-marks.json";
      doc.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
    });
    doc.getElementById("import").addEventListener("change", function (e) {
      var file = e.target.files[0];
      if (!file) return;
      file.text().then(function (body) {
        var incoming = parseMarks(body);
        marks = mergeMarks(loadMarks(), incoming);
        saveMarks(marks);
        status.textContent = "已导入：" + Object.keys(incoming.read).length + " 已读，" +
          Object.keys(incoming.star).length + " 收藏";
        render();
      }).catch(function (err) {
        status.textContent = "导入失败：" + err.message;
      });
    });
  }

  function scrollToHash() {
    /* the page's layout changed under the browser's jump to #id (filters, math) */
    if (!location.hash) return;
    var target = doc.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target) {
      var article = target.closest("article.paper");
      if (article) { article.hidden = false; article.parentNode.hidden = false; article.classList.add("current"); }
      target.scrollIntoView({ block: "start" });
    }
  }

  setupTheme();
  setupMarks();
  setupFilters();
  setupKeys();
  setupSearch();
  setupStarred();
  if (window.katex) typesetMath();
  else window.addEventListener("load", typesetMath);
  scrollToHash();
})();
