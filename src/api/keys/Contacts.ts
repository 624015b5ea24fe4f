import { principalFromAccountId } from '../../blob/principal.ts';
import { InvalidInputError } from '../../errors.ts';
import type { ContactRow } from '../../index/read-types.ts';
import type { ApiKey } from '../api-key.ts';
import { timestamp, type WireTimestamp } from '../wire-ids.ts';

/** A contact as Seed's clients read it (`HMContact`). */
type WireContact = {
  id: string;
  subject: string;
  name: string;
  account: string;
  signer: string;
  createTime: WireTimestamp;
  updateTime: WireTimestamp;
  subscribe?: { site: boolean; profile: boolean };
};

/** The account ID a contacts key is asked about: `__value=<uid>` (the schema's string), or `id=`. */
function accountParam(params: Record<string, unknown>): string {
  const field = params.__value !== undefined ? '__value' : 'id';
  const uid = params[field];
  if (typeof uid !== 'string' || uid === '') throw new InvalidInputError('is required', { field });
  try {
    principalFromAccountId(uid);
  } catch (cause) {
    throw new InvalidInputError(`"${uid.slice(0, 60)}" is not an account ID`, { field, cause });
  }
  return uid;
}

function wireContact(row: ContactRow): WireContact {
  // A contact is edited by a newer blob with the same ID: the row holds the latest one's time.
  const time = timestamp(row.ts);
  const out: WireContact = {
    id: row.id,
    subject: row.subject,
    name: row.name ?? '',
    account: row.account,
    signer: row.signer,
    createTime: time,
    updateTime: time,
  };
  if (row.subscribe) out.subscribe = row.subscribe;
  return out;
}

function contactsKey(
  key: 'AccountContacts' | 'SubjectContacts',
  by: 'account' | 'subject',
): ApiKey<string, WireContact[]> {
  return {
    key,
    method: 'GET',
    params: { __value: 'string', id: 'string' },
    toInput: accountParam,
    cacheable: true,
    renderInPool: true,
    async run(ctx, uid) {
      const out = await ctx.store.read<{ contacts: ContactRow[] }>({
        op: `api.${key}`,
        handler: 'index.listContacts',
        args: { [by]: uid },
        signal: ctx.signal,
      });
      return out.contacts.map(wireContact);
    },
  };
}

/** `AccountContacts`: the contacts an account made (its address book), by subject. */
export const AccountContactsKey = contactsKey('AccountContacts', 'account');

/** `SubjectContacts`: the contacts others made about an account, by who made them. */
export const SubjectContactsKey = contactsKey('SubjectContacts', 'subject');
