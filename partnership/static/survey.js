// The survey page's progress line: "5 of 22 answered", kept in view at the bottom of the
// screen while the questions scroll by. An enhancement only: without JavaScript the page
// works the same, and each part's heading ("Part 2 of 7") still says where one is.
(function () {
  "use strict";
  var line = document.querySelector(".survey-progress");
  var form = document.querySelector(".survey-form");
  if (!line || !form) return;
  var items = form.querySelectorAll(".survey-item");
  function answered(item) {
    if (item.querySelector("input[type=radio]:checked")) return true;
    var text = item.querySelector("textarea");
    return !!(text && text.value.trim());
  }
  function update() {
    var n = 0;
    items.forEach(function (item) { if (answered(item)) n += 1; });
    line.textContent = n + " of " + items.length + " answered";
  }
  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
  line.hidden = false;
})();
