// htmx sends the CSRF token with every request it makes.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector('meta[name="csrf-token"]');
  if (token) {
    event.detail.headers["X-CSRFToken"] = token.content;
  }
});

// Territory suggestions: a click puts the territory's name in the field and its SIREN or
// INSEE code in the hidden field the form reads; typing again forgets the choice.
document.addEventListener("click", (event) => {
  const choice = event.target.closest("[data-territory-choice]");
  if (!choice) {
    return;
  }
  const form = choice.closest("form");
  const field = form.querySelector("[data-territory-search]");
  field.value = choice.dataset.name;
  form.querySelector("input[name=territory_code]").value = choice.dataset.territoryChoice;
  const chosen = form.querySelector("#territory-chosen");
  if (chosen) {
    chosen.textContent = "Territoire choisi : " + choice.dataset.label;
  }
  form.querySelector("#territory-suggestions").replaceChildren();
  field.focus();
});
document.addEventListener("input", (event) => {
  const field = event.target.closest("[data-territory-search]");
  if (field) {
    field.form.querySelector("input[name=territory_code]").value = "";
    const chosen = field.form.querySelector("#territory-chosen");
    if (chosen) {
      chosen.textContent = "";
    }
  }
});

// Filtering a long list as one types: rows whose data-filter-text holds every word stay
// (« domerat » finds « Domérat »).
const folded = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
document.addEventListener("input", (event) => {
  const field = event.target.closest("[data-filter-rows]");
  if (!field) {
    return;
  }
  const words = folded(field.value).split(/\s+/).filter(Boolean);
  for (const row of document.querySelectorAll(field.dataset.filterRows + " [data-filter-text]")) {
    row.hidden = !words.every((word) => folded(row.dataset.filterText).includes(word));
  }
});

// « Tout cocher » / « Tout décocher » over the rows a filter leaves visible; a locked value
// (the Caf that owns the convention) stays ticked. The buttons exist only with JavaScript.
for (const button of document.querySelectorAll("[data-check-all], [data-uncheck-all]")) {
  button.hidden = false;
}
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-check-all], [data-uncheck-all]");
  if (!button) {
    return;
  }
  const checked = button.hasAttribute("data-check-all");
  const list = document.querySelector(button.dataset.checkAll || button.dataset.uncheckAll);
  for (const box of list.querySelectorAll("input[type=checkbox]")) {
    const row = box.closest("[data-filter-text]");
    if ((row && row.hidden) || (!checked && box.value === list.dataset.locked)) {
      continue;
    }
    box.checked = checked;
  }
});

// « + Ajouter une ligne »: a new row from the formset's empty form, here and now (without
// JavaScript the button submits and the server sends the form back one row longer).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-add-row]");
  if (!button) {
    return;
  }
  event.preventDefault();
  const prefix = button.dataset.addRow;
  const total = button.form.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
  const index = Number(total.value);
  const html = document.getElementById(`modele-${prefix}`).innerHTML.replaceAll("__prefix__", String(index));
  const rows = document.getElementById(`lignes-${prefix}`);
  rows.insertAdjacentHTML("beforeend", html);
  total.value = String(index + 1);
  const first = rows.lastElementChild.querySelector("input:not([type=hidden]), select, textarea");
  if (first) {
    first.focus();
  }
});

// A long form left with unsaved changes: the browser asks before leaving the page.
let unsavedForm = null;
document.addEventListener("input", (event) => {
  const form = event.target.closest("form[data-warn-unsaved]");
  if (form) {
    unsavedForm = form;
  }
});
document.addEventListener("submit", (event) => {
  if (event.target === unsavedForm) {
    unsavedForm = null;
  }
});
window.addEventListener("beforeunload", (event) => {
  if (unsavedForm) {
    event.preventDefault();
    event.returnValue = "";
  }
});

// Tables read as cards on phones: each cell is labelled with its column's heading.
for (const table of document.querySelectorAll("table.table-cards")) {
  const headings = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  for (const row of table.querySelectorAll("tbody tr")) {
    [...row.children].forEach((cell, index) => {
      if (headings[index] && !cell.hasAttribute("data-label") && !cell.hasAttribute("colspan")) {
        cell.dataset.label = headings[index];
      }
    });
  }
}
