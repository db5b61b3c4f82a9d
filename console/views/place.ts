import { ApiFailure, call, get, reasonOf } from "../api.js";
import type { CandidatesBody, PlacementBody, Problem, SchedulersBody } from "../bodies.js";
import { announce, type Child, fields, h, section, table } from "../dom.js";
import { when } from "../format.js";
import { requestForm } from "../request-form.js";
import { type View, viewRoot } from "./view.js";

/**
 * The placement form: a container request placed with `POST /v1/placements`, and what came of it (the
 * placement, or why not: a 409's reasons, a 400's details). Before placing, "Show candidates" ranks the
 * hosts that could take the same request (`POST /v1/candidates`, reserving nothing) and says why the
 * others cannot. The form is never rebuilt by a refresh.
 */
export function placeView(): View {
  const rank = h("button", { type: "button", "aria-controls": "place-candidates" }, "Show candidates");
  const { form, read, offer } = requestForm("Place", rank);
  let offered = false;
  // Announced whole when it changes: the outcome of the last request.
  const result = h("div", {
    id: "place-result",
    class: "region",
    "aria-live": "polite",
    "aria-atomic": "true",
  });
  // Not live: a table read out whole on each change is noise; its summary is announced instead.
  const candidates = h(
    "div",
    { id: "place-candidates", class: "region" },
    h(
      "p",
      { class: "hint" },
      "Show candidates ranks the hosts that could take the request, placing nothing.",
    ),
  );
  rank.addEventListener("click", async () => {
    const asked = read();
    if ("problem" in asked) {
      candidates.replaceChildren(outcome("Not sent", h("p", {}, asked.problem)));
      announce(`Not sent: ${asked.problem}`);
      asked.field.focus();
      return;
    }
    candidates.replaceChildren(h("p", {}, "Ranking…"));
    try {
      const body = await call<CandidatesBody>({
        method: "POST",
        path: "/v1/candidates",
        body: asked.request,
      });
      candidates.replaceChildren(candidatesOutcome(body));
      announce(`Candidates: ${candidatesSummary(body)}; the best is ${body.candidates[0]?.host.id}.`);
    } catch (error) {
      candidates.replaceChildren(
        error instanceof ApiFailure
          ? refusedOutcome(error, "No candidates")
          : outcome("No candidates", h("p", {}, `The API cannot be reached: ${reasonOf(error)}`)),
      );
      announce(`No candidates: ${reasonOf(error)}`);
    }
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
          ? refusedOutcome(error, "Not placed")
          : outcome("Not placed", h("p", {}, `The API cannot be reached: ${reasonOf(error)}`)),
      );
    }
  });
  return {
    title: "Place a container",
    root: viewRoot(
      "Place a container",
      form,
      section("place-candidates", "Candidates", candidates),
      section("place-result", "Result", result),
    ),
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

/**
 * The ranked candidates (a column per score rule of the type, links to the hosts), how many hosts can
 * take the request, and why the others cannot.
 */
function candidatesOutcome(body: CandidatesBody) {
  const rules = [...new Set(body.candidates.flatMap((candidate) => Object.keys(candidate.scores)))];
  return outcome(
    `${candidatesSummary(body)}.`,
    table(
      "Hosts that can take it, best first",
      ["Rank", "Host", "Address", "Score", ...rules.map((rule) => `${rule} score`), "Free cpus", "Free MiB"],
      body.candidates.map(({ host, score, scores, free }, at) => [
        at + 1,
        h("a", { href: `#/hosts/${encodeURIComponent(host.id)}` }, host.id),
        host.addr,
        score,
        ...rules.map((rule) => scores[rule]),
        free.cpus,
        free.memory,
      ]),
    ),
    Object.keys(body.infeasible).length > 0 &&
      reasonTable("Hosts that cannot take it, by the first filter each failed", body.infeasible),
  );
}

/** "3 of 4 hosts can take it", and how many of them are shown when the list was cut. */
function candidatesSummary({ hosts, candidates, infeasible }: CandidatesBody): string {
  const feasible = hosts - Object.values(infeasible).reduce((sum, n) => sum + n, 0);
  const cut = feasible > candidates.length ? `, the best ${candidates.length} shown` : "";
  return `${feasible} of ${hosts} hosts can take it${cut}`;
}

/**
 * Why the API refused (`notDone`: what did not happen): the message, then a 409's reasons, a 400's
 * details, or when to retry.
 */
function refusedOutcome({ status, problem, retryAfter }: ApiFailure, notDone: string) {
  return outcome(
    status === 409 ? `${notDone}: no host can take it` : `${notDone} (${status})`,
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
    reasonTable("Hosts refused, by the first filter each failed", reasons),
    Object.keys(refused).length > 0 &&
      table(
        "Hosts whose commit the registry refused",
        ["Host", "Why"],
        Object.entries(refused).map(([host, why]) => [host, why]),
      ),
  );
}

/** Hosts counted by the filter they failed. */
function reasonTable(caption: string, reasons: Record<string, number>) {
  return table(
    caption,
    ["Reason", "Hosts"],
    Object.entries(reasons).map(([reason, hosts]) => [reason, hosts]),
  );
}
