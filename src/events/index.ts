export { EventBus, type EventListener, type PendingEvent, type BusOptions } from './bus.ts';
export * as eventTables from './events.sql.ts';
