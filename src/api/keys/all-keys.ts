import type { ApiKey } from '../api-key.ts';
import { AccountKey } from './Account.ts';
import {
  InteractionSummaryKey,
  ListCitationsKey,
  ListCommentsByReferenceKey,
} from './Citations.ts';
import { CommentKey } from './Comment.ts';
import { AccountContactsKey, SubjectContactsKey } from './Contacts.ts';
import { DiscoverKey } from './Discover.ts';
import { DiscoveryStatusKey } from './DiscoveryStatus.ts';
import { GetDomainKey, ListDomainsKey } from './Domains.ts';
import { GetCIDKey } from './GetCID.ts';
import { GetCommentReplyCountKey } from './GetCommentReplyCount.ts';
import { ListAccountsKey } from './ListAccounts.ts';
import { ListCapabilitiesKey } from './ListCapabilities.ts';
import { ListChangesKey } from './ListChanges.ts';
import { ListCommentsKey } from './ListComments.ts';
import { ListCommentsByAuthorKey } from './ListCommentsByAuthor.ts';
import { ListCommentVersionsKey } from './ListCommentVersions.ts';
import { ListDiscussionsKey } from './ListDiscussions.ts';
import { ListDocumentCollaboratorsKey } from './ListDocumentCollaborators.ts';
import { ListEventsKey } from './ListEvents.ts';
import { PrepareDocumentChangeKey } from './PrepareDocumentChange.ts';
import { PublishBlobsKey } from './PublishBlobs.ts';
import { QueryKey } from './Query.ts';
import { QueryBlockKey } from './QueryBlock.ts';
import { ResourceKey } from './Resource.ts';
import { ResourceMetadataKey } from './ResourceMetadata.ts';
import { SearchKey } from './Search.ts';
import { ListSubscriptionsKey, SubscribeKey, UnsubscribeKey } from './Subscriptions.ts';

/**
 * Every key this node serves: SEED-API.md's first tier, all of the next (`QueryBlock`,
 * `Search` (titles), `GetDomain`, `ListDomains`, `ListCommentsByAuthor`, `GetCommentReplyCount`, `ListCommentVersions`, `AccountContacts`,
 * `SubjectContacts`, `ListDiscussions`, `ListDocumentCollaborators`, `ListCitations`,
 * `InteractionSummary`, `ListCommentsByReference`), and
 * Seedling's `Discover` and subscriptions. Others answer 404 `Unknown query key`.
 */
export const ALL_KEYS: ApiKey[] = [
  ResourceKey,
  ResourceMetadataKey,
  AccountKey,
  ListAccountsKey,
  QueryKey,
  QueryBlockKey,
  SearchKey,
  ListEventsKey,
  ListChangesKey,
  ListCommentsKey,
  CommentKey,
  ListCommentsByAuthorKey,
  ListDiscussionsKey,
  GetCommentReplyCountKey,
  ListCommentVersionsKey,
  AccountContactsKey,
  SubjectContactsKey,
  ListCapabilitiesKey,
  ListDocumentCollaboratorsKey,
  ListCitationsKey,
  InteractionSummaryKey,
  ListCommentsByReferenceKey,
  GetCIDKey,
  GetDomainKey,
  ListDomainsKey,
  DiscoveryStatusKey,
  PublishBlobsKey,
  PrepareDocumentChangeKey,
  DiscoverKey,
  SubscribeKey,
  UnsubscribeKey,
  ListSubscriptionsKey,
] as ApiKey[];
