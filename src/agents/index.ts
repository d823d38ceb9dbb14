/** The agents domain: conversations with the seven agents, their tool loop, approvals. */
export { AgentService, type AgentLlm, type AgentOptions, type AgentServiceDeps, type ChatContext, type ChatOptions, type ConversationWithMessages, type TurnEnd } from './service.ts';
export { AutoFix, type AutoFixDeps, type Failure } from './autofix.ts';
export { type TranscriptMessage } from './threads.ts';
export { ToolError, type ToolContext, type ToolDef, type ToolServices, type TaskResults, type FinishSignal } from './types.ts';
export * as agentTables from './agents.sql.ts';
