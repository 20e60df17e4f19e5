export { EventBus } from './event-bus.ts';
export type { CloudEvent, EventAuthorizer, EventBusOptions, Subscription } from './event-bus.ts';
