// Baohan Gateway console and portal: the one script, served by us.
// A form that was submitted cannot be submitted twice by a second click
// while the first request is on its way.
document.addEventListener("submit", function (e) {
  var form = e.target;
  if (form.dataset.sent) {
    e.preventDefault();
    return;
  }
  form.dataset.sent = "1";
  var buttons = form.querySelectorAll("button[type=submit], button:not([type])");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].classList.add("busy");
  }
});
