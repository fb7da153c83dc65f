/* The date pickers' month and weekday names in the reader's language.

   Dash's date pickers format their calendar with date-fns and take the locale from
   `window.dateFns.locale`, matched against the browser's languages and otherwise the
   first one listed. The page's language is the interface's choice (`?lang=`, written on
   <html lang>), not the browser's, so `locale` is a getter: a Russian page offers only
   the Russian names below, an English page none (date-fns' built-in English). Only the
   parts the pickers use are written out: names for formatting, and numbers for typed
   dates (DD.MM.YYYY), which need no word matching. */
(function () {
  var months = ["Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август",
                "Сентябрь", "Октябрь", "Ноябрь", "Декабрь"];
  var monthsShort = ["янв.", "февр.", "март", "апр.", "май", "июнь", "июль", "авг.",
                     "сент.", "окт.", "нояб.", "дек."];
  var days = ["воскресенье", "понедельник", "вторник", "среда", "четверг", "пятница",
              "суббота"];
  var daysShort = ["вс", "пн", "вт", "ср", "чт", "пт", "сб"];
  var pick = function (options, wide, other) {
    var width = (options && options.width) || "wide";
    return width === "wide" ? wide : other;
  };
  var same = function (text) { return function () { return text; }; };
  var noMatch = function () { return null; };
  var ru = {
    code: "ru",
    options: { weekStartsOn: 1, firstWeekContainsDate: 1 },
    localize: {
      ordinalNumber: function (n) { return String(n); },
      era: function (n) { return ["до н. э.", "н. э."][n]; },
      quarter: function (q) { return q + "-й кв."; },
      month: function (m, options) { return pick(options, months, monthsShort)[m]; },
      day: function (d, options) { return pick(options, days, daysShort)[d]; },
      dayPeriod: function (p) { return p === "am" ? "ДП" : "ПП"; }
    },
    formatLong: { date: same("dd.MM.y"), time: same("HH:mm"), dateTime: same("{{date}}, {{time}}") },
    formatDistance: function (token, count) { return String(count); },
    formatRelative: same("P"),
    match: { ordinalNumber: noMatch, era: noMatch, quarter: noMatch, month: noMatch,
             day: noMatch, dayPeriod: noMatch }
  };
  var fns = window.dateFns || {};
  Object.defineProperty(fns, "locale", {
    configurable: true,
    get: function () {
      return (document.documentElement.lang || "").indexOf("ru") === 0 ? { ru: ru } : {};
    }
  });
  window.dateFns = fns;
})();
