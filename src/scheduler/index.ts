/** The scheduler domain: tasks on a schedule in project containers, their runs, catch-up and notifications (SchedulerService). */
export { SchedulerService, type SchedulerDeps, type SchedulerOptions } from './service.ts';
export type { StartReport, EngineLog } from './engine/index.ts';
export type { TaskAgents, TaskContainers } from './execute.ts';
export { realClock, type Clock } from './clock.ts';
export { describeSchedule, localIso, localTimezone, validateSchedule } from './schedule.ts';
export * as schedulerTables from './scheduler.sql.ts';
