/**
 * What every backend shares in shape: the sub-stores of {@linkcode Store}
 * (channels, sessions, messages, leases, tasks, threads, search), each a
 * view over a few methods a backend implements. A backend extends
 * {@linkcode StoreViews} and implements those methods; the views are
 * defined here once.
 *
 * @module
 */

import type {
  Channel,
  ChannelStore,
  Claim,
  JsonObject,
  LeaseStore,
  Lock,
  Message,
  MessageQuery,
  MessageStore,
  SearchStore,
  Session,
  SessionStore,
  Task,
  TaskFilter,
  TaskStore,
  ThreadFacts,
  ThreadStore,
} from "./types.ts";
import type {
  SearchHit,
  SearchIndexProgress,
  SearchQuery,
} from "./search_types.ts";

/** The sub-stores, over the methods a backend implements. */
export abstract class StoreViews {
  protected abstract getChannel(name: string): Promise<Channel | null>;
  protected abstract listChannels(): Promise<Channel[]>;
  protected abstract createChannel(
    name: string,
    createdBy: string | null,
    metadata: JsonObject,
  ): Promise<{ channel: Channel; created: boolean }>;
  protected abstract activeSession(agentId: string): Promise<Session | null>;
  protected abstract listActiveSessions(): Promise<Session[]>;
  protected abstract renameSession(
    agentId: string,
    displayName: string,
  ): Promise<Session | null>;
  protected abstract deactivateSession(
    sessionId: string,
  ): Promise<Session | null>;
  protected abstract touchAgents(agentIds: readonly string[]): Promise<void>;
  protected abstract listMessages(query: MessageQuery): Promise<Message[]>;
  protected abstract latestVisibleId(agentId: string): Promise<number>;
  protected abstract listClaims(
    filter: { threadId?: string; activeOnly?: boolean },
  ): Promise<Claim[]>;
  protected abstract listLocks(
    filter: { agentId?: string; activeOnly?: boolean },
  ): Promise<Lock[]>;
  protected abstract getTask(taskId: number): Promise<Task | null>;
  protected abstract listTasks(filter: TaskFilter): Promise<Task[]>;
  protected abstract threadFacts(): Promise<ThreadFacts[]>;
  protected abstract searchIndexStep(
    maxRows: number,
  ): Promise<SearchIndexProgress>;
  protected abstract searchMessages(query: SearchQuery): Promise<SearchHit[]>;

  readonly channels: ChannelStore = {
    get: (name) => this.getChannel(name),
    list: () => this.listChannels(),
    create: (name, createdBy, metadata) =>
      this.createChannel(name, createdBy, metadata),
  };
  readonly sessions: SessionStore = {
    active: (agentId) => this.activeSession(agentId),
    listActive: () => this.listActiveSessions(),
    rename: (agentId, name) => this.renameSession(agentId, name),
    deactivate: (sessionId) => this.deactivateSession(sessionId),
    touch: (agentIds) => this.touchAgents(agentIds),
  };
  readonly messages: MessageStore = {
    list: (query) => this.listMessages(query),
    latestVisibleId: (agentId) => this.latestVisibleId(agentId),
  };
  readonly leases: LeaseStore = {
    claims: (filter) => this.listClaims(filter),
    locks: (filter) => this.listLocks(filter),
  };
  readonly tasks: TaskStore = {
    get: (taskId) => this.getTask(taskId),
    list: (filter) => this.listTasks(filter),
  };
  readonly threads: ThreadStore = { facts: () => this.threadFacts() };
  readonly search: SearchStore = {
    indexStep: (maxRows) => this.searchIndexStep(maxRows),
    query: (query) => this.searchMessages(query),
  };
}
