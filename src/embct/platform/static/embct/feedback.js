/* The therapist's feedback form: the text is saved as a draft on the server a few seconds
   after typing stops (and when the page is left), and a snippet can be put in at the cursor.
   Without this script the form works as it is: "Save draft" and "Send to patient" post it. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-draft-url]");
  if (!form) { return; }
  var body = form.querySelector("textarea[name=body]");
  var status = document.getElementById("draft-status");
  var url = form.getAttribute("data-draft-url");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]");
  var WAIT = 2000; /* ms after the last key stroke */
  var timer = null;
  var saved = body.value;
  var sending = false;

  function kind() {
    var checked = form.querySelector("input[name=kind]:checked");
    return checked ? checked.value : "feedback";
  }

  function save(keepalive) {
    timer = null;
    var text = body.value;
    if (text === saved || sending) { return; }
    var data = new FormData();
    data.append("csrfmiddlewaretoken", token.value);
    data.append("body", text);
    data.append("kind", kind());
    var formToken = form.querySelector("input[name=form_token]");
    if (formToken) { data.append("form_token", formToken.value); }
    sending = true;
    fetch(url, {
      method: "POST", body: data, credentials: "same-origin", keepalive: !!keepalive,
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (response.ok) { saved = text; }
        status.textContent = answer.message;
      });
    }).catch(function () {
      status.textContent = form.getAttribute("data-draft-error");
    }).then(function () {
      sending = false;
      if (body.value !== saved && timer === null) { schedule(); }
    });
  }

  function schedule() {
    if (timer !== null) { clearTimeout(timer); }
    timer = setTimeout(save, WAIT);
  }

  body.addEventListener("input", schedule);
  form.addEventListener("change", function (event) {
    if (event.target.name === "kind" && body.value.trim() !== "") { saved = null; schedule(); }
  });
  form.addEventListener("submit", function () {
    if (timer !== null) { clearTimeout(timer); timer = null; }
    saved = body.value; /* sending (or "Save draft") posts the text itself */
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { save(true); }
  });

  /* Snippets: pick one and put it in at the cursor (or in place of the selected text). */
  var picker = document.getElementById("snippet-picker");
  if (picker) {
    var select = picker.querySelector("select");
    var insert = picker.querySelector("button");
    picker.hidden = false;
    insert.addEventListener("click", function () {
      var option = select.options[select.selectedIndex];
      if (!option || !option.value) { select.focus(); return; }
      var text = option.getAttribute("data-text");
      var start = body.selectionStart, end = body.selectionEnd;
      body.setRangeText(text, start, end, "end");
      body.focus();
      body.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }
}());
