"""Sign in: with a local account, or through the OpenID Connect provider when configured."""

from pages._access import speak_session_language
from pages._gate import sign_in_form

speak_session_language()
sign_in_form()
