import { ApiFailure, call, get, reasonOf } from "../api.js";
import type { PlacementBody, Problem, SchedulersBody } from "../bodies.js";
import { type Child, fields, h, section, table } from "../dom.js";
import { when } from "../format.js";
import { requestForm } from "../request-form.js";
import { type View, viewRoot } from "./view.js";

/**
 * The placement form: a container request placed with `POST /v1/placements`, and what came of it (the
 * placement, or why not: a 409's reasons, a 400's details). The form is never rebuilt by a refresh.
 */
export function placeView(): View {
  const { form, read, offer } = requestForm("Place");
  let offered = false;
  // Announced whole when it changes: the outcome of the last request.
  const result = h("div", {
    id: "place-result",
    class: "region",
    "aria-live": "polite",
    "aria-atomic": "true",
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const asked = read();
    if ("problem" in asked) {
      result.replaceChildren(outcome("Not sent", h("p", {}, asked.problem)));
      asked.field.focus();
      return;
    }
    result.replaceChildren(h("p", {}, "Placing…"));
    try {
      const placed = await call<PlacementBody>({
        method: "POST",
        path: "/v1/placements",
        body: asked.request,
        ...(asked.idempotencyKey !== undefined && { headers: { "idempotency-key": asked.idempotencyKey } }),
      });
      result.replaceChildren(placedOutcome(placed));
    } catch (error) {
      result.replaceChildren(
        error instanceof ApiFailure
          ? refusedOutcome(error)
          : outcome("Not placed", h("p", {}, `The API cannot be reached: ${reasonOf(error)}`)),
      );
    }
  });
  return {
    title: "Place a container",
    root: viewRoot("Place a container", form, section("place-result", "Result", result)),
    // The scheduler types, read until the API has answered them once: nothing else here changes.
    refresh: async () => {
      if (!offered) offered = offer((await get<SchedulersBody>("/v1/schedulers")).schedulers);
    },
  };
}

/** An outcome: a heading of its own words, then its parts. */
function outcome(title: string, ...parts: Child[]) {
  return h("div", { class: "outcome" }, h("h3", {}, title), ...parts);
}

function placedOutcome({ resource, placement }: PlacementBody) {
  return outcome(
    `Placed on ${resource.id}`,
    fields([
      ["Placement", h("code", {}, placement.id)],
      [
        "Host",
        h(
          "span",
          {},
          h("a", { href: `#/hosts/${encodeURIComponent(resource.id)}` }, resource.id),
          ` (${resource.addr})`,
        ),
      ],
      ["Type", placement.scheduler],
      ["Reserved", `${placement.cpus} cpus, ${placement.memory} MiB`],
      ["Created", when(placement.created_at)],
    ]),
  );
}

/** Why the API refused: the message, then a 409's reasons, a 400's details, or when to retry. */
function refusedOutcome({ status, problem, retryAfter }: ApiFailure) {
  return outcome(
    status === 409 ? "Not placed: no host can take it" : `Not placed (${status})`,
    h("p", { class: "problem" }, problem.message),
    problem.reasons && reasonsTable(problem),
    problem.details &&
      h(
        "ul",
        {},
        ...problem.details.map((detail) => h("li", {}, `${detail.path || "request"}: ${detail.message}`)),
      ),
    retryAfter !== null && h("p", {}, `Retry after ${retryAfter} s.`),
  );
}

function reasonsTable({ reasons = {}, refused = {} }: Problem) {
  return h(
    "div",
    {},
    table(
      "Hosts refused, by the first filter each failed",
      ["Reason", "Hosts"],
      Object.entries(reasons).map(([reason, hosts]) => [reason, hosts]),
    ),
    Object.keys(refused).length > 0 &&
      table(
        "Hosts whose commit the registry refused",
        ["Host", "Why"],
        Object.entries(refused).map(([host, why]) => [host, why]),
      ),
  );
}
