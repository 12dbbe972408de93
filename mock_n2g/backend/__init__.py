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
        for spec in accounts:
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
            self.profiles.setup(account)
            default_list = self.lists.create(account, {"name": spec.default_list_name})
            self.forms.create(account, default_list.id, code=spec.default_form_code)
        return account

    def accounts(self) -> list[Account]:
        with self.store.lock:
            return list(self.store.accounts.values())
