/* Client-side pieces: the wall's clock, per-second countdowns and overdue times, stale
   and connection notes, and the ticket page's live SLA countdowns. Times arrive as ISO strings in UTC. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  pulse: {
    wallSeen: function (data) {
      return Date.now();
    },
    fmtSpan: function (seconds, labels) {
      var neg = seconds < 0;
      var s = Math.abs(Math.floor(seconds));
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
      var pad = function (x) { return (x < 10 ? "0" : "") + x; };
      var body = h >= 24
        ? Math.floor(h / 24) + " " + labels.d + " " + pad(h % 24) + ":" + pad(m) + ":" + pad(sec)
        : pad(h) + ":" + pad(m) + ":" + pad(sec);
      return (neg ? "\u2212" : "") + body;
    },
    humanAge: function (minutes, labels) {
      if (minutes >= 1440) { return Math.floor(minutes / 1440) + " " + labels.d; }
      if (minutes >= 60) { return Math.floor(minutes / 60) + " " + labels.h + " " + (Math.floor(minutes) % 60) + " " + labels.m; }
      return Math.floor(minutes) + " " + labels.m;
    },
    el: function (type, className, children) {
      return { namespace: "dash_html_components", type: type,
               props: { className: className, children: children } };
    },
    wallRows: function (boxId, items, total, title, none, labels, now, overdue) {
      var P = window.dash_clientside.pulse;
      var head = title + " \u00b7 " + total;
      var rows = (items || []).map(function (q) {
        var cd, cls;
        if (overdue) {
          // Past due: a running clock counts up from its due time; a paused one stays
          // frozen at how far over it was when it paused.
          cls = "wall-row breached" + (q.paused ? " paused" : "");
          cd = q.paused
            ? "\u2016 +" + P.fmtSpan((q.over_min || 0) * 60, labels) + " " + labels.paused
            : "\u2716 " + labels.breached + " +" + P.fmtSpan((now - Date.parse(q.due)) / 1000, labels);
        } else {
          var left = (Date.parse(q.due) - now) / 1000;
          cls = "wall-row" + (left < 0 ? " breached" : (left < 1800 ? " soon" : ""));
          cd = (left < 0 ? "\u2716 " + labels.breached + " +" : "\u25B6 ")
            + P.fmtSpan(Math.abs(left), labels);
        }
        return P.el("Div", cls, [
          P.el("Span", "id", "#" + q.id), P.el("Span", "what", q.what),
          P.el("Span", "metric", q.metric), P.el("Span", "cd", cd)]);
      });
      if (!rows.length) { rows = [P.el("Div", "wall-empty", none)]; }
      // How many rows the screen showed last second (the rest wrap out of sight).
      var box = document.getElementById(boxId);
      var shown = (items || []).length;
      if (box) {
        var drawn = box.querySelectorAll(".wall-row");
        if (drawn.length) {
          var left0 = drawn[0].offsetLeft;
          shown = Array.prototype.filter.call(drawn, function (r) {
            return r.offsetLeft === left0; }).length;
        }
      }
      var more = total - shown;
      var parts = [P.el("Div", "wall-label", [head]), P.el("Div", "wall-rows", rows)];
      if (more > 0) { parts.push(P.el("Div", "wall-more", labels.more.replace("{n}", more))); }
      return parts;
    },
    wallTick: function (n, data, seen) {
      var P = window.dash_clientside.pulse;
      // no warehouse yet: the tiles say what to do, nothing ticks
      if (!data || !data.labels || !data.as_of) {
        return [null, null, null, null, null, null, null, "wall"];
      }
      var labels = data.labels;
      var now = Date.now();
      var overdue = P.wallRows("wall-overdue", data.overdue, data.overdue_count, labels.overdue,
                               labels.overdue_none, labels, now, true);
      var queue = P.wallRows("wall-queue", data.queue, data.queue_count, labels.queue, labels.empty,
                             labels, now, false);
      var critical = (data.critical || []).slice(0, 3).map(function (k) {
        var age = P.humanAge((now - Date.parse(k.created)) / 60000, labels);
        var clock = labels.no_clock;
        if (k.due) {
          var left = (Date.parse(k.due) - now) / 1000;
          clock = (left < 0 ? "\u2716 +" : "\u25B6 ") + P.fmtSpan(Math.abs(left), labels);
        }
        return P.el("Div", "wall-crit-row", [
          P.el("Span", "id", "#" + k.id), P.el("Span", "age", labels.age + " " + age),
          P.el("Span", "cd", clock)]);
      });
      if (!critical.length) { critical = labels.none_critical; }
      var clock = new Date(now).toLocaleTimeString(data.locale || "en-GB",
        { timeZone: data.tz || "UTC", hour: "2-digit", minute: "2-digit", second: "2-digit",
          hour12: false });
      var stale = null, cls = "wall";
      var age = (now - Date.parse(data.as_of)) / 60000;
      if (age > (data.stale_after_min || 15)) {
        cls = "wall wall-is-stale";
        stale = P.el("Span", "wall-stale-on", "\u26A0 " + labels.stale
          .replace("{age}", P.humanAge(age, labels)).replace("{since}", data.as_of_text));
      }
      var conn = null;
      if (seen && now - seen > 150000) { conn = "\u26A0 " + labels.lost; }
      return [overdue, queue, critical, clock, data.as_of_text, stale, conn, cls];
    },
    ticketTick: function (n, clocks) {
      var P = window.dash_clientside.pulse;
      if (!clocks || !clocks.items) { return []; }
      var now = Date.now();
      return clocks.items.map(function (c) {
        if (!c.due || !c.running) { return c.static; }
        var left = (Date.parse(c.due) - now) / 1000;
        return (left < 0 ? "\u2716 " + clocks.overdue + " " : "\u25B6 " + clocks.remaining + " ")
          + P.fmtSpan(Math.abs(left), clocks.labels);
      });
    }
  }
});

/* ag-grid value formatters (dash-ag-grid looks functions up here). */
window.dashAgGridFunctions = Object.assign({}, window.dashAgGridFunctions, {
  pulseFmt: function (value, kind, lang) {
    if (value === null || value === undefined || isNaN(value)) { return "\u2014"; }
    var loc = lang === "ru" ? "ru-RU" : "en-US";
    if (kind === "share") {
      var s = (value * 100).toLocaleString(loc, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
      return lang === "ru" ? s + "\u00a0%" : s + "%";
    }
    return Number(value).toLocaleString(loc, { maximumFractionDigits: 1 });
  },
  pulseCell: function (params, kind, lang) {
    var glyph = { good: "\u2714 ", warn: "\u26A0 ", bad: "\u2716 " }[params.data[params.colDef.field + "_state"]] || "";
    return glyph + window.dashAgGridFunctions.pulseFmt(params.value, kind, lang);
  }
});

/* Grid cells that link to one of our pages (dash-ag-grid looks components up here).
   The row's id is percent-encoded into a fixed local path and the cell's text is a
   text node: nothing from an extract is ever read as markdown, HTML or a URL. `query`
   is the page's own filter state, built on the server from our parameters; a ticket
   link adds `from=<this page>` (the first segment of the path, our own page names
   only), so the ticket page's navigation keeps the page it was opened from. */
window.dashAgGridComponentFunctions = Object.assign({}, window.dashAgGridComponentFunctions, {
  PulseLink: function (props) {
    var text = props.value === null || props.value === undefined ? "" : String(props.value);
    var id = props.data ? props.data[props.idField] : null;
    if (id === null || id === undefined || id === "") { return text; }
    var href = props.prefix + encodeURIComponent(String(id)) + (props.query || "");
    var page = window.location.pathname.split("/")[1] || "okr";
    if (props.prefix === "/ticket/" && /^[a-z_]+$/.test(page)) {
      href += (href.indexOf("?") < 0 ? "?" : "&") + "from=" + page;
    }
    return React.createElement("a", { href: href }, text);
  }
});

/* ARIA repairs for third-party widgets, re-applied whenever they re-render:
   - Dash's dropdown keeps its keyboard focus target, a readonly input, aria-hidden,
     so a screen reader lands on a hidden element: it is shown, named after its label;
   - Dash's date picker puts aria-expanded/aria-haspopup on a plain wrapper div (the
     input inside is what opens the calendar, and it keeps its own label);
   - ag-grid draws an empty header-group row in the pinned columns, a row with no cells:
     it is hidden from assistive technology. */
(function () {
  function repair(root) {
    root.querySelectorAll("input.dash-dropdown-focus-target[aria-hidden]").forEach(function (el) {
      el.removeAttribute("aria-hidden");
      var label = el.closest("label");
      var name = label ? (label.querySelector(".filter-label") || label).textContent : "";
      if (name && !el.getAttribute("aria-label")) { el.setAttribute("aria-label", name.trim()); }
    });
    root.querySelectorAll(".dash-datepicker-input-wrapper[aria-expanded]").forEach(function (el) {
      el.removeAttribute("aria-expanded");
      el.removeAttribute("aria-haspopup");
      el.removeAttribute("aria-disabled");
      el.removeAttribute("aria-labelledby");
    });
    root.querySelectorAll(".ag-header-row[role=row]").forEach(function (el) {
      if (!el.children.length) {
        el.setAttribute("aria-hidden", "true");
        el.setAttribute("tabindex", "-1");
      }
    });
  }
  var pending = false;
  var observer = new MutationObserver(function () {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; repair(document); });
  });
  function start() {
    repair(document);
    observer.observe(document.body, { childList: true, subtree: true, attributes: true,
      attributeFilter: ["aria-hidden", "aria-expanded"] });
  }
  if (document.body) { start(); } else { document.addEventListener("DOMContentLoaded", start); }
})();
