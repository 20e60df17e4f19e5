/**
 * Work deferred to the end of the current event-loop turn, where the writes of every request the
 * turn read are done together: the audit file's group commit, then the answers.
 *
 * A request passes several such points: its request record must be written before it is
 * handled, its response record before it is answered. With a plain `setImmediate` each point
 * costs a loop turn (an immediate queued while immediates run waits for the next turn), so an
 * answer left two turns after its request arrived, and each turn's batch held only the requests
 * at one stage. Here the end of a turn runs in rounds: a round runs the tasks queued so far; the
 * promise chains they settle run to completion (the microtask queue drains); the tasks those
 * chains queued make the next round, in the same turn. So the request records of a turn's
 * requests are written in one round, their response records in the next, and their answers in
 * the third, back to back.
 *
 * How a round waits for the promise chains: a tick queued from a microtask runs only once the
 * microtask queue is empty (Node drains microtasks, then runs ticks, and repeats). After
 * `MAX_ROUNDS` rounds the rest waits for the next turn, so a chain that keeps queueing work
 * cannot keep the loop from its I/O.
 *
 * Tasks must not throw: each owns its error handling. One that does is reported as an uncaught
 * exception, as a throwing `setImmediate` callback is, after the round's other tasks have run.
 */

const MAX_ROUNDS = 8;

let queue: (() => void)[] = [];
/** A phase is scheduled or under way: new tasks only join the queue. */
let armed = false;
let rounds = 0;

/** Runs `task` at the end of the current turn, after the tasks queued before it. */
export function atTurnEnd(task: () => void): void {
  queue.push(task);
  if (!armed) {
    armed = true;
    setImmediate(startPhase);
  }
}

function startPhase(): void {
  rounds = 0;
  runRound();
}

function runRound(): void {
  rounds += 1;
  const tasks = queue;
  queue = [];
  let failure: { error: unknown } | undefined;
  for (const task of tasks) {
    try {
      task();
    } catch (error) {
      failure ??= { error };
    }
  }
  queueMicrotask(afterChainsSoon);
  // A task that throws breaks its contract: the other tasks and the rounds go on, and the error
  // is thrown on as from the immediate it would have run in (an uncaught exception).
  if (failure !== undefined) throw failure.error;
}

function afterChainsSoon(): void {
  process.nextTick(afterChains);
}

function afterChains(): void {
  if (queue.length === 0) {
    armed = false;
    return;
  }
  if (rounds >= MAX_ROUNDS) {
    setImmediate(startPhase);
    return;
  }
  runRound();
}
