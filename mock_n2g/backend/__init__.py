"""Domain state and rules of the mock, no Flask: accounts, tokens, lists, recipients, forms."""

from collections.abc import Iterable

from mock_n2g.backend.accounts import Account, AccountSpec
from mock_n2g.backend.attributes import AttributeService
from mock_n2g.backend.auth import AuthService
from mock_n2g.backend.forms import FormService
from mock_n2g.backend.groups import GroupService
from mock_n2g.backend.imports import ImportService
from mock_n2g.backend.lists import ListService
from mock_n2g.backend.mailings import MailingService
from mock_n2g.backend.outbox import Outbox
from mock_n2g.backend.profiles import ProfileService
from mock_n2g.backend.recipients import RecipientService
from mock_n2g.backend.store import Store
from mock_n2g.backend.tokens import TokenStore
from mock_n2g.clock import Clock

__all__ = ["Account", "AccountSpec", "Backend"]


class Backend:
    """Everything the mock knows, behind one lock, with one service per resource."""

    def __init__(
        self,
        accounts: Iterable[AccountSpec] = (),
        clock: Clock | None = None,
        seed: int | None = None,
    ) -> None:
        self.store = Store(clock or Clock(), seed)
        self.tokens = TokenStore(self.store.clock, self.store.random)
        self.auth = AuthService(self.store, self.tokens)
        self.lists = ListService(self.store)
        self.recipients = RecipientService(self.store)
        self.groups = GroupService(self.store, self.recipients)
        self.attributes = AttributeService(self.store)
        self.profiles = ProfileService(self.store, self.tokens)
        self.lists.deletion_hooks.append(self.attributes.forget_list)
        self.outbox = Outbox(self.store)
        self.forms = FormService(self.store, self.recipients, self.outbox)
        self.imports = ImportService(self.store, self.recipients, self.groups, self.forms)
        self.mailings = MailingService(self.store, self.groups, self.outbox)
        self.lists.deletion_hooks.append(self.mailings.forget_list)
        self.configured = list(accounts)  # the accounts a reset keeps
        for spec in self.configured:
            self.add_account(spec)

    @property
    def clock(self) -> Clock:
        return self.store.clock

    def add_account(self, spec: AccountSpec) -> Account:
        """Create an account with its user, company, one default list and a form for it."""
        store = self.store
        with store.lock:
            if spec.auth_key in store.accounts_by_auth_key:
                raise ValueError("an account with this auth key exists already")
            if spec.default_form_code is not None:
                problem = self.forms.code_problem(spec.default_form_code)
                if problem:
                    raise ValueError(problem)
            ids = []
            for _ in range(3):
                ids.append(store.new_id())
                store.other_ids.add(ids[-1])
            account = Account(spec, account_id=ids[0], company_id=ids[1], user_id=ids[2])
            store.accounts[account.account_id] = account
            store.accounts_by_auth_key[spec.auth_key] = account
            self._furnish(account)
        return account

    def reset(self, account_id: str | None = None) -> None:
        """Empty all data, keeping the configured accounts (ids unchanged); or one account's."""
        store = self.store
        with store.lock:
            if account_id is not None:
                if account_id not in store.accounts:
                    raise KeyError(account_id)
                self._empty(store.accounts[account_id])
                self._furnish(store.accounts[account_id])
                return
            configured = {spec.auth_key for spec in self.configured}
            for account in list(store.accounts.values()):
                self._empty(account)
                if account.spec.auth_key in configured:
                    self._furnish(account)
                else:
                    del store.accounts[account.account_id]
                    del store.accounts_by_auth_key[account.spec.auth_key]
                    store.other_ids -= {account.account_id, account.company_id, account.user_id}
            self.outbox.forget_account(None)

    def _furnish(self, account: Account) -> None:
        """A fresh account's records: company, user, a default list and a form for it."""
        self.profiles.setup(account)
        default_list = self.lists.create(account, {"name": account.spec.default_list_name})
        account.default_list_id = default_list.id
        self.forms.create(account, default_list.id, code=account.spec.default_form_code)

    def _empty(self, account: Account) -> None:
        """Remove everything an account has, and every token it was given."""
        for mailing_list in list(account.lists.values()):
            self.lists.remove(account, mailing_list)
        account.default_list_id = ""
        account.attribute_names.clear()
        self.forms.forget_account(account.account_id)
        account.forms.clear()
        self.imports.forget_account(account.account_id)
        self.outbox.forget_account(account.account_id)
        self.tokens.revoke_account(account.account_id)

    def accounts(self) -> list[Account]:
        with self.store.lock:
            return list(self.store.accounts.values())
