"""What a logged-in user does about their own login, as whole flows: the profile, a new password
(proven by the current one, Argon2 off the loop, throttled like a login), the second factor, logging
out everywhere. The API's `/auth` routes and the driver app's profile page both call these."""

from __future__ import annotations

from typing import Any

from chargeplane.api.deps import Services
from chargeplane.api.routers.auth_support import AuthState, off_loop, own
from chargeplane.db import UnitOfWork
from chargeplane.domain.errors import Invalid
from chargeplane.domain.identity import totp
from chargeplane.domain.identity.auth_schemas import Me, TotpSetupRead, TotpStatus
from chargeplane.domain.identity.login import log_out_everywhere, the_user
from chargeplane.domain.identity.passwords import change_password, check_password_policy, verify_password
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.identity.profile import describe_me, update_me


async def update_profile(services: Services, principal: Principal, changes: dict[str, Any]) -> Me:
    now = services.clock.now()

    def unit(uow: UnitOfWork) -> Me:
        user = update_me(uow, actor=principal, user=the_user(uow, principal), changes=changes, now=now)
        return describe_me(uow, user=user)

    return await own(services, principal).write(unit)


def _who(principal: Principal, email: str | None) -> dict[str, Any]:
    return {"tenant_id": principal.tenant_id, "email": email or str(principal.id)}


async def prove_password(services: Services, state: AuthState, principal: Principal, password: str,
                         field: str) -> tuple[str, str | None]:
    """Check the caller's password again, counted like a login (a stolen session must not be a way
    to guess it). Answers the hash verified and the user's email."""
    now = services.clock.now()

    def unit(uow: UnitOfWork) -> tuple[str | None, str | None]:
        user = the_user(uow, principal)
        return user.password_hash, user.email

    password_hash, email = await own(services, principal).read(unit)
    state.throttle.check(**_who(principal, email), address=principal.source_address, now=now)
    if password_hash is None or not await off_loop(state, verify_password, services.hashing, password_hash, password):
        state.throttle.failed(**_who(principal, email), address=principal.source_address, now=now)
        raise Invalid("the password is wrong", field=field)
    return password_hash, email


async def change_my_password(services: Services, state: AuthState, principal: Principal, *, current_password: str,
                             new_password: str) -> None:
    """Set a new password, proven by the current one. Every other session ends; this one goes on."""
    verified_hash, email = await prove_password(services, state, principal, current_password, "current_password")
    check_password_policy(new_password, email=email, field="new_password")
    new_hash = await off_loop(state, services.hashing.hash, new_password)
    now = services.clock.now()
    await own(services, principal).write(lambda uow: change_password(
        uow, actor=principal, verified_hash=verified_hash, new_hash=new_hash, now=now))


async def set_up_totp(services: Services, principal: Principal) -> TotpSetupRead:
    """A new secret for an authenticator app; the second factor is on once a code from it is shown."""
    def unit(uow: UnitOfWork) -> TotpSetupRead:
        setup = totp.start_totp_setup(uow, user=the_user(uow, principal))
        return TotpSetupRead(secret=setup.secret, otpauth_uri=setup.otpauth_uri)

    return await own(services, principal).write(unit)


async def enable_totp(services: Services, principal: Principal, *, code: str) -> TotpStatus:
    now = services.clock.now()

    def unit(uow: UnitOfWork) -> TotpStatus:
        totp.enable_totp(uow, actor=principal, user=the_user(uow, principal), code=code, now=now)
        return TotpStatus(enabled=True, required=totp.totp_required(principal.roles))

    return await own(services, principal).write(unit)


async def disable_totp(services: Services, state: AuthState, principal: Principal, *, code: str | None,
                       password: str | None) -> TotpStatus:
    """Turn the second factor off, proven by the password or a current code (wrong ones count as
    failed logins)."""
    if not code and not password:
        raise Invalid("send a current code or the password", field="code")
    now = services.clock.now()
    who = _who(principal, principal.label)
    if password:
        await prove_password(services, state, principal, password, "password")
    else:
        state.throttle.check(**who, address=principal.source_address, now=now)

    def unit(uow: UnitOfWork) -> TotpStatus:
        totp.disable_totp(uow, actor=principal, user=the_user(uow, principal), code=code,
                          password_verified=bool(password), now=now)
        return TotpStatus(enabled=False, required=totp.totp_required(principal.roles))

    try:
        return await own(services, principal).write(unit)
    except Invalid:
        state.throttle.failed(**who, address=principal.source_address, now=now)
        raise


async def log_out_everywhere_flow(services: Services, principal: Principal) -> None:
    """End every session of this user, the caller's own included."""
    now = services.clock.now()
    await own(services, principal).write(lambda uow: log_out_everywhere(uow, actor=principal, now=now))
