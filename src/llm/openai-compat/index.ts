/** OpenAI's Chat Completions format ⇄ the service's neutral calls, for the OpenAI-compatible endpoint. */
export { translateChat, refuseUnsupported, invalidField, type TranslatedChat } from './request.ts';
export { ChunkBuilder, completionUsage, finishReason, toChatCompletion } from './response.ts';
