"""First start: create the install's first admin (there is no default password)."""

from pages._access import speak_session_language
from pages._gate import first_admin_form

speak_session_language()
first_admin_form()
