// fromTransition for actors whose context is their own mutable state. XState's fromTransition copies the snapshot
// (`{ ...snapshot, context }`) on every message; these actors return the context they were given, so that copy was
// pure allocation — the largest single cost of a sweep in a CPU profile. The logic is otherwise XState's own, so
// refs, types and lifecycle (start, stop, errors) are unchanged. Nothing here keeps old snapshots to compare.
import { fromTransition, type ActorScope, type ActorSystem, type EventObject, type NonReducibleUnknown, type TransitionActorLogic, type TransitionActorRef, type TransitionSnapshot } from 'xstate';

export function fromMutableTransition<TContext, TEvent extends EventObject, TSystem extends ActorSystem<any>, TInput extends NonReducibleUnknown, TEmitted extends EventObject = EventObject>(
  transition: (context: TContext, event: TEvent, actorScope: ActorScope<TransitionSnapshot<TContext>, TEvent, TSystem, TEmitted>) => TContext,
  initialContext: TContext | (({ input, self }: { input: TInput; self: TransitionActorRef<TContext, TEvent> }) => TContext),
): TransitionActorLogic<TContext, TEvent, TInput, TEmitted> {
  const logic = fromTransition<TContext, TEvent, TSystem, TInput, TEmitted>(transition, initialContext);
  return {
    ...logic,
    transition(snapshot, event, actorScope) {
      snapshot.context = transition(snapshot.context, event, actorScope as ActorScope<TransitionSnapshot<TContext>, TEvent, TSystem, TEmitted>);
      return snapshot;
    },
  };
}
