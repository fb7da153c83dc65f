/* Client-side pieces: the wall's per-second countdowns, stale and connection notes,
   and the ticket page's live SLA countdowns. Times arrive as ISO strings in UTC. */
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
    wallTick: function (n, data, seen) {
      var P = window.dash_clientside.pulse;
      if (!data) { return [[], null, null]; }
      var labels = data.labels || {};
      var now = Date.now();
      var rows = (data.queue || []).map(function (q) {
        var left = (Date.parse(q.due) - now) / 1000;
        var breached = left < 0;
        var cls = "wall-row" + (breached ? " breached" : (left < 1800 ? " soon" : ""));
        var cd = (breached ? "\u2716 " + labels.breached + " " : "\u25B6 ") + P.fmtSpan(left, labels);
        return {
          namespace: "dash_html_components", type: "Div",
          props: { className: cls, children: [
            { namespace: "dash_html_components", type: "Span", props: { children: "#" + q.id } },
            { namespace: "dash_html_components", type: "Span", props: { children: q.what } },
            { namespace: "dash_html_components", type: "Span", props: { children: q.metric } },
            { namespace: "dash_html_components", type: "Span", props: { className: "cd", children: cd } }
          ] }
        };
      });
      if (!rows.length) {
        rows = [{ namespace: "dash_html_components", type: "Div",
                  props: { className: "wall-empty", children: labels.empty || "" } }];
      }
      var stale = null;
      if (data.as_of) {
        var age = (now - Date.parse(data.as_of)) / 60000;
        if (age > (data.stale_after_min || 15)) {
          stale = { namespace: "dash_html_components", type: "Span",
                    props: { className: "wall-stale-on",
                             children: "\u26A0 " + labels.stale.replace("{age}", P.humanAge(age, labels)) } };
        }
      }
      var conn = null;
      if (seen && now - seen > 150000) { conn = "\u26A0 " + labels.lost; }
      return [rows, stale, conn];
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
   text node: nothing from an extract is ever read as markdown, HTML or a URL. */
window.dashAgGridComponentFunctions = Object.assign({}, window.dashAgGridComponentFunctions, {
  PulseLink: function (props) {
    var text = props.value === null || props.value === undefined ? "" : String(props.value);
    var id = props.data ? props.data[props.idField] : null;
    if (id === null || id === undefined || id === "") { return text; }
    return React.createElement("a", { href: props.prefix + encodeURIComponent(String(id)) }, text);
  }
});
