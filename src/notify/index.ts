/** The notify domain: notifications to people, through sinks (the hub always; a task's webhook; later Telegram). */
export { Notifier, hubSink, type Notification, type NotificationKind, type NotificationLevel, type NotificationSink, type NotifierOptions, type SinkOutcome } from './notifier.ts';
export { WebhookSender, webhookSink, type DeliveryResult, type WebhookOptions } from './webhook.ts';
export { checkWebhookUrl, isOwnAddress, type OwnListener } from './url-guard.ts';
