// The try-it form of a model card (templates/_try_it.html): sends one input to the JSON API
// (POST api/models/NAME/predict, a relative URL) and shows the labels and scores, or the transcript.
// Everything from the server is written with textContent, never as HTML.
(function () {
  "use strict";

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function seconds(value) {
    return value < 1 ? Math.round(value * 1000) + " ms" : value.toFixed(1) + " s";
  }

  function labelsTable(model, top) {
    var wrap = element("div", undefined, "table-scroll");
    var table = element("table");
    table.appendChild(element("caption", "The labels " + model + " gives, best first"));
    var head = table.createTHead().insertRow();
    ["label", "score"].forEach(function (name) {
      var cell = element("th", name);
      cell.scope = "col";
      head.appendChild(cell);
    });
    var body = table.createTBody();
    top.forEach(function (row) {
      var line = body.insertRow();
      var label = element("th", row.label);
      label.scope = "row";
      line.appendChild(label);
      // A model that only decides (one-hot) gives no confidence.
      line.appendChild(element("td", row.score === null ? "chosen (no score)" : row.score.toFixed(4)));
    });
    wrap.appendChild(table);
    return wrap;
  }

  function showAnswer(box, answer) {
    box.replaceChildren();
    if (typeof answer.transcript === "string") {
      box.appendChild(element("h3", "Transcript"));
      box.appendChild(element("p", answer.transcript || "(nothing recognised)", "transcript"));
    } else if (Array.isArray(answer.top)) {
      box.appendChild(element("h3", "Answer"));
      box.appendChild(labelsTable(answer.model, answer.top));
    }
    var took = "Took " + seconds(answer.seconds) + " in the server";
    if (answer.load_seconds > 0) took += ", of which " + seconds(answer.load_seconds) + " loading the model";
    box.appendChild(element("p", took + ".", "note"));
    box.hidden = false;
  }

  function errorText(response, answer) {
    var detail = answer && typeof answer.detail === "string" ? answer.detail : response.statusText;
    return "Error " + response.status + ": " + detail;
  }

  function attach(form) {
    var status = form.querySelector(".try-it-status");
    var box = form.querySelector(".try-it-answer");
    var button = form.querySelector("button[type=submit]");

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = new FormData(form);
      form.setAttribute("aria-busy", "true");
      button.disabled = true;
      box.hidden = true;
      status.classList.remove("error");
      status.textContent = "Predicting…";
      fetch(form.getAttribute("action"), { method: "POST", body: body, headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json().catch(function () { return null; }).then(function (answer) {
            if (!response.ok || answer === null) {
              status.classList.add("error");
              status.textContent = errorText(response, answer);
            } else {
              status.textContent = "";
              showAnswer(box, answer);
            }
          });
        })
        .catch(function (error) {
          status.classList.add("error");
          status.textContent = "The server did not answer (" + error.message + "); is zoo serve still running?";
        })
        .finally(function () {
          form.removeAttribute("aria-busy");
          button.disabled = false;
        });
    });
  }

  document.querySelectorAll("form[data-try-it]").forEach(attach);
})();
