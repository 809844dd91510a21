// Who hears which message. Actors only `publish`; this table, set up by the pipeline, decides the receivers.
// Receivers are listed in delivery order: for a bar the executor fills first, then the portfolio marks,
// then the strategy decides — which is what makes lookahead impossible.
import type { MessageType, PipelineMessage } from './messages.ts';

export type ActorName = 'feed' | 'strategy' | 'risk' | 'portfolio' | 'executor' | 'recorder' | 'alerts';

export type Publish = (message: PipelineMessage) => void;

interface Receiver {
  send(message: PipelineMessage): void;
}

export const ROUTES: Record<MessageType, readonly ActorName[]> = {
  MarketData: ['executor', 'portfolio', 'strategy'],
  // MarketData never reaches the alerts actor (the hot path); what it alerts on is what the actors conclude.
  Signal: ['risk', 'recorder'],
  RiskDecision: ['strategy', 'alerts', 'recorder'],
  Order: ['executor', 'recorder'],
  OrderUpdate: ['risk', 'strategy', 'alerts', 'recorder'],
  Fill: ['portfolio', 'risk', 'alerts', 'recorder'],
  PositionUpdate: ['strategy', 'risk', 'alerts', 'recorder'],
  PositionMark: ['recorder'],
  // Alerts first: a breaker trip the risk actor derives from this snapshot is then told with its figures.
  EquitySnapshot: ['alerts', 'risk', 'recorder'],
  RiskEvent: ['alerts', 'recorder'],
  // Alerts before the recorder, whose final flush then includes the last suppression summaries.
  EndOfData: ['executor', 'alerts', 'recorder'],
  ResetCircuitBreaker: ['risk', 'recorder'],
  WarmupData: ['strategy'],
  // The executor cancels working orders before risk halts and (with flatten) sends the closing orders.
  OperatorHalt: ['executor', 'risk'],
  OperatorResume: ['risk'],
  FeedStatus: ['risk'],
  VenueReport: ['executor'],
  // Carried out by the live session around the pipeline (it listens to every message), not by an actor.
  VenueRequest: [],
  Reconciliation: ['risk'],
  // The executor takes the venue's quantities first; the portfolio then books and reports them.
  AdoptVenueState: ['executor', 'portfolio', 'risk'],
  StateTransition: ['alerts', 'recorder'],
  SessionError: ['alerts'],
  AlertRaised: ['recorder'],
};

/**
 * Resolves the route table against the running actors once, then delivers with plain array loops:
 * this is the hot path of every bar. Actors absent from the system (e.g. no recorder) are skipped.
 */
export class Router {
  private table: Map<MessageType, Receiver[]> | undefined;

  /** `wants` leaves out a receiver for a message type it would ignore (a sweep's recorder keeps two types). */
  attach(lookup: (name: ActorName) => Receiver | undefined, wants: (name: ActorName, type: MessageType) => boolean = () => true): void {
    const table = new Map<MessageType, Receiver[]>();
    for (const [type, names] of Object.entries(ROUTES) as [MessageType, readonly ActorName[]][]) {
      const receivers: Receiver[] = [];
      for (const name of names) {
        const receiver = lookup(name);
        if (receiver !== undefined && wants(name, type)) receivers.push(receiver);
      }
      table.set(type, receivers);
    }
    this.table = table;
  }

  /** Whether a message of this type reaches any actor (before attach: assumed so). */
  readonly hears = (type: MessageType): boolean => {
    const receivers = this.table?.get(type);
    return receivers === undefined || receivers.length > 0;
  };

  readonly publish: Publish = (message) => {
    const receivers = this.table?.get(message.type);
    if (receivers === undefined) throw new Error(`router is not attached: cannot deliver ${message.type}`);
    for (let i = 0; i < receivers.length; i++) receivers[i]!.send(message);
  };
}
