"""aws_cognito_user_pool (+ _client, _domain, _user_group) → Keycloak with one realm per pool.

Keycloak (pinned, production mode ``start --import-realm``, its own postgres
service) imports ``keycloak/import/<realm>.json``, generated from data: the
password policy, sign-in attributes, the app clients (redirect URIs, OAuth
flows, token lifetime) and groups. Client secrets are ``${VAR}`` placeholders
that Keycloak resolves from its environment at import, filled from ``.env``:
no secret value is ever written. Traefik routes ``https://<domain>/auth``.

What cannot move is reported: Cognito never exports password hashes or TOTP
secrets (users reset their password and enrol MFA again), Lambda triggers,
hosted UI customisation, advanced security, the Cognito API itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cloudexit_ci.mappers import estate
from cloudexit_ci.mappers.base import MapContext, cover, unique_name
from cloudexit_ci.stack import Coverage, Origin
from cloudexit_ci.terraform.model import Resource, Values

PATH = "/auth"
_NAME = re.compile(r"[^A-Za-z0-9_-]+")
_POLICY = (  # Cognito password_policy argument → Keycloak password policy
    ("minimum_length", "length({})"),
    ("require_lowercase", "lowerCase(1)"),
    ("require_uppercase", "upperCase(1)"),
    ("require_numbers", "digits(1)"),
    ("require_symbols", "specialChars(1)"),
    ("password_history_size", "passwordHistory({})"),
)
_POOL_LOST = {
    "lambda_config": "Lambda triggers ({}): port them to Keycloak SPIs/event listeners by hand",
    "sms_configuration": "SMS sending (SNS): SMS MFA and SMS verification",
    "email_configuration": "SES email sending: set the realm's SMTP server in Keycloak",
    "user_pool_add_ons": "advanced security (compromised credentials, adaptive authentication)",
    "device_configuration": "device tracking / remembered devices",
    "schema": "custom attributes: declare them in the realm's user profile by hand",
    "verification_message_template": "verification message templates: use a Keycloak theme",
    "admin_create_user_config": "invitation message templates",
}
_PASSWORD_FLOWS = {
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "USER_PASSWORD_AUTH",
    "ADMIN_NO_SRP_AUTH",
}
_ALWAYS_LOST = (
    "password hashes are not exportable: import users without passwords; every user must "
    "reset their password (resetPasswordAllowed is on)",
    "the Cognito API (InitiateAuth/SRP, SignUp, AdminCreateUser…): apps using a Cognito SDK "
    "must switch to the OIDC endpoints",
    "token issuer and signing keys change: verify JWTs against the realm's JWKS",
)


@dataclass
class Realm:
    name: str
    origin: Origin
    data: dict[str, Any]
    clients: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    origins: list[Origin] = field(default_factory=list)


def realms(ctx: MapContext) -> dict[str, Realm]:
    found: dict[str, Realm] = ctx.family("cognito.realms", dict)
    return found


def _flag(values: Values, name: str) -> bool:
    return values.boolean(name) if values.has(name) else False


def password_policy(values: Values) -> str:
    blocks = values.blocks("password_policy")
    if not blocks:
        return "length(8) and lowerCase(1) and upperCase(1) and digits(1) and specialChars(1)"
    policy = blocks[0]
    parts = []
    for arg, template in _POLICY:
        if "{}" in template and policy.has(arg):
            parts.append(template.format(policy.integer(arg, 0)))
        elif "{}" not in template and _flag(policy, arg):
            parts.append(template)
    return " and ".join(parts)


def _realm_name(resource: Resource, ctx: MapContext) -> str:
    raw = resource.values.string("name") or resource.name
    taken = {r.name for r in realms(ctx).values()} | {"master"}  # master cannot be imported
    return unique_name(_NAME.sub("-", raw).strip("-") or "pool", taken)


def map_user_pool(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    name = _realm_name(resource, ctx)
    lost = list(_ALWAYS_LOST)
    data = _realm_data(values, name, lost)
    for arg, text in _POOL_LOST.items():
        if values.has(arg):
            lost.append(text.format(_triggers(values)) if arg == "lambda_config" else text)
    realms(ctx)[resource.address] = Realm(name, resource.origin, data, origins=[resource.origin])
    issuer = f"https://{ctx.stack.domain}{PATH}/realms/{name}"
    estate.resolve(ctx, resource.address, "id", name)
    estate.resolve(ctx, resource.address, "name", name)
    estate.resolve(ctx, resource.address, "endpoint", issuer.removeprefix("https://"))
    estate.resolve(ctx, resource.address, "arn", f"keycloak:realm:{name}")
    reason = f"Keycloak realm `{name}` (keycloak/import/{name}.json), issuer {issuer}"
    return cover(resource, "partial", reason, service="keycloak", lost=lost)


def _realm_data(values: Values, name: str, lost: list[str]) -> dict[str, Any]:
    username = set(values.get("username_attributes") or [])
    alias = set(values.get("alias_attributes") or [])
    verified = set(values.get("auto_verified_attributes") or [])
    if "phone_number" in username | alias:
        lost.append("sign-in with phone number (Keycloak signs in by username or email)")
    mfa = values.string("mfa_configuration", "OFF")
    if mfa != "OFF":
        lost.append(
            f"MFA is {mfa} on Cognito: TOTP secrets are not exportable, users enrol again; "
            + (
                "make OTP required in the realm's browser flow (Authentication) by hand"
                if mfa == "ON"
                else "users can add OTP in the account console"
            )
        )
    policy = values.blocks("password_policy")
    if policy and policy[0].has("temporary_password_validity_days"):
        lost.append("temporary password validity (Keycloak admins set one-time passwords)")
    case = values.blocks("username_configuration")
    if case and case[0].has("case_sensitive") and case[0].boolean("case_sensitive"):
        lost.append("case-sensitive usernames (Keycloak lower-cases them)")
    admin_only = values.blocks("admin_create_user_config")
    registration = not (admin_only and _flag(admin_only[0], "allow_admin_create_user_only"))
    return {
        "realm": name,
        "enabled": True,
        "displayName": name,
        "sslRequired": "external",
        "registrationAllowed": registration,
        "registrationEmailAsUsername": "email" in username,
        "loginWithEmailAllowed": "email" in username | alias,
        "duplicateEmailsAllowed": False,
        "verifyEmail": "email" in verified,
        "resetPasswordAllowed": True,
        "rememberMe": False,
        "passwordPolicy": password_policy(values),
        "otpPolicyType": "totp",
        "otpPolicyAlgorithm": "HmacSHA1",
        "otpPolicyDigits": 6,
        "otpPolicyPeriod": 30,
    }


def _triggers(values: Values) -> str:
    blocks = values.blocks("lambda_config")
    if not blocks:
        return ""
    names = (a.name for a in blocks[0].body.attributes)
    return ", ".join(sorted(n for n in names if n != "kms_key_id"))


def _pool_of(resource: Resource, ctx: MapContext) -> Realm | None:
    pool = estate.find_by(ctx, "aws_cognito_user_pool", "name", resource.values.raw("user_pool_id"))
    return realms(ctx).get(pool.address) if pool else None


def _seconds(values: Values, arg: str, default_unit: str) -> int | None:
    if not values.has(arg):
        return None
    units = values.blocks("token_validity_units")
    key = arg.removesuffix("_validity")
    unit = units[0].string(key, default_unit) if units else default_unit
    factor = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}.get(unit, 3600)
    return values.integer(arg, 0) * factor


def map_client(resource: Resource, ctx: MapContext) -> Coverage:
    realm = _pool_of(resource, ctx)
    if realm is None:
        return cover(resource, "unmapped", "its user pool is not in this configuration")
    values = resource.values
    client_id = _NAME.sub("-", values.string("name") or resource.name).strip("-") or "client"
    client_id = unique_name(client_id, {c["clientId"] for c in realm.clients})
    oauth = _flag(values, "allowed_oauth_flows_user_pool_client")
    flows = set(values.get("allowed_oauth_flows") or []) if oauth else set()
    explicit = set(values.get("explicit_auth_flows") or [])
    confidential = _flag(values, "generate_secret")
    lost: list[str] = []
    client: dict[str, Any] = {
        "clientId": client_id,
        "name": values.string("name") or client_id,
        "enabled": True,
        "protocol": "openid-connect",
        "publicClient": not confidential,
        "redirectUris": _urls(values, "callback_urls", lost),
        "webOrigins": ["+"],
        "standardFlowEnabled": "code" in flows,
        "implicitFlowEnabled": "implicit" in flows,
        "directAccessGrantsEnabled": bool(explicit & _PASSWORD_FLOWS),
        "serviceAccountsEnabled": confidential and "client_credentials" in flows,
        "attributes": _client_attributes(values, lost),
    }
    if confidential:
        var = estate.env_name("KEYCLOAK_CLIENT", client_id, "SECRET")
        ref = estate.secret_var(
            ctx,
            var,
            f"{resource.address}: client secret of `{client_id}` (choose a new one; Keycloak "
            "imports it at first start; give the same value to the apps)",
            resource.origin,
        )
        client["clientAuthenticatorType"] = "client-secret"
        client["secret"] = "${" + var + "}"  # Keycloak's own placeholder: set from its env
        ctx.family("cognito.secret_vars", set).add(var)
        estate.resolve(ctx, resource.address, "client_secret", ref)
    if "client_credentials" in flows and not confidential:
        lost.append("client_credentials needs a client secret (generate_secret is off)")
    for flow, why in (
        ("ALLOW_USER_SRP_AUTH", "SRP authentication (use the authorization code flow)"),
        ("ALLOW_CUSTOM_AUTH", "custom auth challenges (Lambda triggers)"),
    ):
        if flow in explicit:
            lost.append(why)
    scopes = set(values.get("allowed_oauth_scopes") or [])
    custom = sorted(s for s in scopes if "/" in s or s == "aws.cognito.signin.user.admin")
    if custom:
        lost.append(f"scopes {', '.join(custom)}: create client scopes in Keycloak by hand")
    if values.has("supported_identity_providers") and set(
        values.get("supported_identity_providers") or []
    ) - {"COGNITO"}:
        lost.append("federated identity providers: add them to the realm by hand")
    realm.clients.append(client)
    realm.origins.append(resource.origin)
    estate.resolve(ctx, resource.address, "id", client_id)
    reason = f"Keycloak client `{client_id}` in realm `{realm.name}`"
    return cover(resource, "partial" if lost else "mapped", reason, service="keycloak", lost=lost)


def _urls(values: Values, arg: str, lost: list[str]) -> list[str]:
    """Literal URLs only: Keycloak would resolve a ``${...}`` in the import from its env."""
    urls = [u for u in values.get(arg) or [] if isinstance(u, str)]
    kept = sorted(u for u in urls if "${" not in u)
    if len(kept) < len(values.get(arg) or []):
        lost.append(f"{arg} that are not literal URLs (set them in Keycloak by hand)")
    return kept


def _client_attributes(values: Values, lost: list[str]) -> dict[str, str]:
    attributes: dict[str, str] = {}
    logout = _urls(values, "logout_urls", lost)
    if logout:
        attributes["post.logout.redirect.uris"] = "##".join(sorted(logout))
    access = _seconds(values, "access_token_validity", "hours")
    if access:
        attributes["access.token.lifespan"] = str(access)
    refresh = _seconds(values, "refresh_token_validity", "days")
    if refresh:
        attributes["client.session.max.lifespan"] = str(refresh)
        attributes["client.session.idle.timeout"] = str(refresh)
    return attributes


def map_domain(resource: Resource, ctx: MapContext) -> Coverage:
    realm = _pool_of(resource, ctx)
    if realm is None:
        return cover(resource, "unmapped", "its user pool is not in this configuration")
    login = f"https://{ctx.stack.domain}{PATH}/realms/{realm.name}/account"
    lost = ["hosted UI customisation (CSS/logo): restyle with a Keycloak theme"]
    if resource.values.has("certificate_arn"):
        lost.append(
            f"custom domain {resource.values.string('domain')}: Keycloak is served on "
            "--domain under /auth (Traefik obtains the certificate)"
        )
    realm.origins.append(resource.origin)
    reason = f"hosted UI → Keycloak login pages ({login})"
    return cover(resource, "partial", reason, service="keycloak", lost=lost)


def map_group(resource: Resource, ctx: MapContext) -> Coverage:
    realm = _pool_of(resource, ctx)
    if realm is None:
        return cover(resource, "unmapped", "its user pool is not in this configuration")
    name = resource.values.string("name") or resource.name
    name = _NAME.sub("-", name).strip("-") or "group"
    realm.groups.append({"name": name, "path": f"/{name}"})
    realm.origins.append(resource.origin)
    lost = [
        text
        for arg, text in (("role_arn", "IAM role of the group"), ("precedence", "precedence"))
        if resource.values.has(arg)
    ]
    return cover(
        resource,
        "partial" if lost else "mapped",
        f"Keycloak group `{name}` in realm `{realm.name}` (members are not exported)",
        service="keycloak",
        lost=lost,
    )


def map_unmapped(resource: Resource, ctx: MapContext) -> Coverage:
    reason, blocking = UNMAPPED[resource.type]
    return cover(resource, "unmapped", reason, blocking=blocking)


UNMAPPED: dict[str, tuple[str, bool]] = {
    "aws_cognito_identity_pool": (
        "identity pools hand out AWS credentials through STS: nothing self-hosted issues "
        "them; apps must authenticate to their services with the Keycloak tokens",
        True,
    ),
    "aws_cognito_user_pool_ui_customization": (
        "hosted UI customisation (CSS/logo): restyle with a Keycloak login theme by hand",
        False,
    ),
    "aws_cognito_resource_server": (
        "resource servers and custom scopes: create matching client scopes in Keycloak by hand",
        False,
    ),
    "aws_cognito_identity_provider": (
        "federated identity providers (Google, SAML, OIDC): add them to the realm by hand; "
        "their client secrets are not copied",
        False,
    ),
    "aws_cognito_user": (
        "users cannot be migrated with passwords: export them and import without "
        "passwords, every user resets theirs",
        False,
    ),
    "aws_cognito_user_in_group": ("group membership: see the users", False),
}
