// Agency type-ahead: suggestions from /<state>/agency/lookup/?term=, an ARIA combobox.
// Without JavaScript the same form still works: the server lists matching agencies.
function setup(form) {
  const input = form.querySelector("input[name=agency]");
  const list = form.querySelector("[role=listbox]");
  const status = form.querySelector("[data-status]");
  let results = [];
  let active = -1;
  let timer = null;
  let requestId = 0;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    active = index;
    list.querySelectorAll("[role=option]").forEach((option, i) => {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
      if (i === index) {
        input.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({block: "nearest"});
      }
    });
  }

  function render() {
    list.replaceChildren();
    results.forEach((agency, i) => {
      const option = document.createElement("li");
      option.id = `agency-option-${i}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.textContent = agency.name;
      option.addEventListener("mousedown", (event) => {
        event.preventDefault();
        choose(i);
      });
      list.appendChild(option);
    });
    const open = results.length > 0;
    list.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    status.textContent = input.value.trim().length < 2 ? "" :
      (open ? `${results.length} agencies found; use the arrow keys to choose.` : "No agency found.");
  }

  function choose(i) {
    const agency = results[i];
    if (!agency) return;
    input.value = agency.name;
    form.querySelector("input[name=agency_id]").value = agency.id;
    close();
    window.location.assign(agency.url);
  }

  async function lookup() {
    const term = input.value.trim();
    if (term.length < 2) {
      results = [];
      render();
      return;
    }
    const id = ++requestId;
    const url = `${form.dataset.lookup}?term=${encodeURIComponent(term)}`;
    try {
      const response = await fetch(url, {headers: {Accept: "application/json"}});
      if (!response.ok || id !== requestId) return;
      results = (await response.json()).results;
      active = -1;
      render();
    } catch (error) {
      status.textContent = "Suggestions are unavailable; press Enter to search.";
    }
  }

  input.addEventListener("input", () => {
    form.querySelector("input[name=agency_id]").value = "";
    clearTimeout(timer);
    timer = setTimeout(lookup, 120);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && results.length) {
      event.preventDefault();
      highlight(Math.min(active + 1, results.length - 1));
    } else if (event.key === "ArrowUp" && results.length) {
      event.preventDefault();
      highlight(Math.max(active - 1, 0));
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
}

document.querySelectorAll("form[data-lookup]").forEach(setup);
