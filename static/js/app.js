// htmx sends the CSRF token with every request it makes.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector('meta[name="csrf-token"]');
  if (token) {
    event.detail.headers["X-CSRFToken"] = token.content;
  }
});

// Territory suggestions: a click fills the SIREN / INSEE field of the form.
document.addEventListener("click", (event) => {
  const choice = event.target.closest("[data-territory-choice]");
  if (!choice) {
    return;
  }
  const form = choice.closest("form");
  const field = form.querySelector("input[name=territory]");
  field.value = choice.dataset.territoryChoice;
  const chosen = form.querySelector("#territory-chosen");
  if (chosen) {
    chosen.textContent = "Territoire choisi : " + choice.dataset.label;
  }
  form.querySelector("#territory-suggestions").replaceChildren();
  field.focus();
});
