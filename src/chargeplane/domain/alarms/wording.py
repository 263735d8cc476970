"""How alarm notifications name a cause, in each language the platform speaks (the portal has its
own catalogs; emails are rendered here, outside any page)."""

from __future__ import annotations

from typing import Final

CAUSE_NAMES: Final[dict[str, dict[str, str]]] = {
    "connector_faulted": {"en": "Connector faulted", "et": "Pistiku rike", "lt": "Jungties gedimas",
                          "nb": "Feil på kontakt", "sv": "Fel på kontakt"},
    "charger_offline": {"en": "Charger offline", "et": "Laadija ei ole võrgus", "lt": "Įkroviklis be ryšio",
                        "nb": "Lader frakoblet", "sv": "Laddare offline"},
    "security_event": {"en": "Security event", "et": "Turvasündmus", "lt": "Saugumo įvykis",
                       "nb": "Sikkerhetshendelse", "sv": "Säkerhetshändelse"},
    "boot_rejected": {"en": "Boot rejected", "et": "Käivitus tagasi lükatud", "lt": "Paleidimas atmestas",
                      "nb": "Oppstart avvist", "sv": "Start avvisad"},
    "abnormal_session": {"en": "Session ended abnormally", "et": "Laadimine lõppes ebatavaliselt",
                         "lt": "Sesija baigėsi neįprastai", "nb": "Lading avsluttet unormalt",
                         "sv": "Laddning avslutades onormalt"},
    "firmware_failed": {"en": "Firmware update failed", "et": "Püsivara uuendus ebaõnnestus",
                        "lt": "Mikroprogramos atnaujinti nepavyko", "nb": "Fastvareoppdatering feilet",
                        "sv": "Uppdatering av fast programvara misslyckades"},
    "connection_takeover": {"en": "Connection taken over", "et": "Ühendus üle võetud", "lt": "Ryšys perimtas",
                            "nb": "Tilkobling overtatt", "sv": "Anslutning övertagen"},
}
LEVEL_NAMES: Final[dict[str, dict[str, str]]] = {
    "critical": {"en": "critical", "et": "kriitiline", "lt": "kritinis", "nb": "kritisk", "sv": "kritiskt"},
    "major": {"en": "major", "et": "oluline", "lt": "svarbus", "nb": "alvorlig", "sv": "allvarligt"},
    "minor": {"en": "minor", "et": "väike", "lt": "nedidelis", "nb": "mindre", "sv": "mindre"},
    "info": {"en": "info", "et": "teave", "lt": "informacija", "nb": "info", "sv": "info"},
}


def name_of(table: dict[str, dict[str, str]], key: str, language: str) -> str:
    names = table.get(key, {})
    return names.get(language) or names.get("en") or key
