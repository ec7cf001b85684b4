/**
 * What every backend shares in shape: the sub-stores of {@linkcode Store}
 * (channels, sessions, messages, leases, tasks, threads, search), each a
 * view over a few methods a backend implements. A backend extends
 * {@linkcode StoreViews} and implements those methods; the views are
 * defined here once.
 *
 * @module
 */

import { CLAIMS, type LeaseTable, LOCKS } from "./leases.ts";
import { type Row, toTask } from "./rows.ts";
import { leaseListSql, type Statement, taskListSql } from "./sql.ts";
import type {
  Channel,
  ChannelStore,
  JsonObject,
  LeaseStore,
  Message,
  MessageQuery,
  MessageStore,
  SearchStore,
  Session,
  SessionStore,
  Task,
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
  protected abstract getTask(taskId: number): Promise<Task | null>;
  /** Runs a read of shared SQL (`./sql.ts`) and returns its rows. */
  protected abstract select(statement: Statement): Promise<Row[]>;
  /** The store clock in the wire's text form. */
  protected abstract nowText(): string;
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
    claims: (filter) =>
      this.#leases(CLAIMS, [["thread_id", filter.threadId]], filter.activeOnly),
    locks: (filter) =>
      this.#leases(LOCKS, [["agent_id", filter.agentId]], filter.activeOnly),
  };
  readonly tasks: TaskStore = {
    get: (taskId) => this.getTask(taskId),
    list: async (filter) =>
      (await this.select(taskListSql(filter))).map(toTask),
  };

  async #leases<T>(
    t: LeaseTable<T>,
    equal: [string, unknown][],
    activeOnly: boolean | undefined,
  ): Promise<T[]> {
    const live = activeOnly ? this.nowText() : undefined;
    return (await this.select(leaseListSql(t, equal, live))).map(t.map);
  }
  readonly threads: ThreadStore = { facts: () => this.threadFacts() };
  readonly search: SearchStore = {
    indexStep: (maxRows) => this.searchIndexStep(maxRows),
    query: (query) => this.searchMessages(query),
  };
}
