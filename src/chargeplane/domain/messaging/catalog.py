"""The texts of every message people receive, in each language the platform speaks.

Data only: `templates.py` renders them. Placeholders are `string.Template` names (`$name`, `${link}`).
Each template has an email subject, an email body (plain text) and a short SMS text.
"""

from __future__ import annotations

from typing import Final

from chargeplane.domain.messaging.billing_texts import BILLING_PARAMS, BILLING_TEXTS

LANGUAGES: Final = ("en", "et", "lt", "nb", "sv")

# template -> its parameters (every rendering must supply exactly these)
PARAMS: Final[dict[str, frozenset[str]]] = {
    "verify_email": frozenset({"name", "link", "tenant"}),
    "reset_password": frozenset({"name", "link", "tenant"}),
    "invitation": frozenset({"inviter", "tenant", "link", "account"}),
    "sub_account_invitation": frozenset({"inviter", "tenant", "link", "account"}),
    "password_changed": frozenset({"name", "tenant"}),
    "alarm_raised": frozenset({"tenant", "level", "what", "charger", "detail", "link"}),
    **BILLING_PARAMS,
}

# template -> language -> (subject, body, sms)
TEXTS: Final[dict[str, dict[str, tuple[str, str, str]]]] = {
    "verify_email": {
        "en": (
            "Confirm your email address for $tenant",
            "Hello $name,\n\n"
            "please confirm your email address for $tenant by opening this link:\n\n$link\n\n"
            "The link is valid for 24 hours. If you did not sign up, ignore this message.\n\n$tenant",
            "$tenant: confirm your email address: $link",
        ),
        "et": (
            "Kinnitage oma e-posti aadress ($tenant)",
            "Tere, $name!\n\n"
            "Palun kinnitage oma e-posti aadress teenuses $tenant, avades selle lingi:\n\n$link\n\n"
            "Link kehtib 24 tundi. Kui te ei registreerunud, jätke see kiri tähelepanuta.\n\n$tenant",
            "$tenant: kinnitage oma e-posti aadress: $link",
        ),
        "lt": (
            "Patvirtinkite savo el. pašto adresą ($tenant)",
            "Sveiki, $name,\n\n"
            "patvirtinkite savo el. pašto adresą paslaugoje $tenant atidarę šią nuorodą:\n\n$link\n\n"
            "Nuoroda galioja 24 valandas. Jei nesiregistravote, šio laiško nepaisykite.\n\n$tenant",
            "$tenant: patvirtinkite el. pašto adresą: $link",
        ),
        "nb": (
            "Bekreft e-postadressen din hos $tenant",
            "Hei $name,\n\n"
            "bekreft e-postadressen din hos $tenant ved å åpne denne lenken:\n\n$link\n\n"
            "Lenken er gyldig i 24 timer. Hvis du ikke har registrert deg, kan du se bort fra denne meldingen.\n\n"
            "$tenant",
            "$tenant: bekreft e-postadressen din: $link",
        ),
        "sv": (
            "Bekräfta din e-postadress hos $tenant",
            "Hej $name,\n\n"
            "bekräfta din e-postadress hos $tenant genom att öppna den här länken:\n\n$link\n\n"
            "Länken gäller i 24 timmar. Om du inte har registrerat dig kan du bortse från det här meddelandet.\n\n"
            "$tenant",
            "$tenant: bekräfta din e-postadress: $link",
        ),
    },
    "reset_password": {
        "en": (
            "Reset your $tenant password",
            "Hello $name,\n\n"
            "someone asked to reset the password of your $tenant account. To choose a new password, "
            "open this link:\n\n$link\n\n"
            "The link is valid for a short time and works once. If it was not you, ignore this message: "
            "your password stays as it is.\n\n$tenant",
            "$tenant: reset your password: $link",
        ),
        "et": (
            "Lähtestage oma $tenant parool",
            "Tere, $name!\n\n"
            "Keegi soovis lähtestada teie konto parooli teenuses $tenant. Uue parooli valimiseks "
            "avage see link:\n\n$link\n\n"
            "Link kehtib lühikest aega ja töötab üks kord. Kui see polnud teie, jätke kiri tähelepanuta: "
            "teie parool jääb samaks.\n\n$tenant",
            "$tenant: lähtestage oma parool: $link",
        ),
        "lt": (
            "Atkurkite savo $tenant slaptažodį",
            "Sveiki, $name,\n\n"
            "kažkas paprašė atkurti jūsų paskyros slaptažodį paslaugoje $tenant. Norėdami pasirinkti naują "
            "slaptažodį, atidarykite šią nuorodą:\n\n$link\n\n"
            "Nuoroda galioja trumpai ir veikia vieną kartą. Jei tai buvote ne jūs, šio laiško nepaisykite: "
            "jūsų slaptažodis nepasikeis.\n\n$tenant",
            "$tenant: atkurkite slaptažodį: $link",
        ),
        "nb": (
            "Tilbakestill passordet ditt hos $tenant",
            "Hei $name,\n\n"
            "noen ba om å tilbakestille passordet til kontoen din hos $tenant. Åpne denne lenken for å "
            "velge et nytt passord:\n\n$link\n\n"
            "Lenken er gyldig en kort stund og virker én gang. Hvis det ikke var deg, kan du se bort fra "
            "denne meldingen: passordet ditt forblir uendret.\n\n$tenant",
            "$tenant: tilbakestill passordet ditt: $link",
        ),
        "sv": (
            "Återställ ditt lösenord hos $tenant",
            "Hej $name,\n\n"
            "någon har bett om att återställa lösenordet till ditt konto hos $tenant. Öppna den här länken "
            "för att välja ett nytt lösenord:\n\n$link\n\n"
            "Länken gäller en kort stund och fungerar en gång. Om det inte var du kan du bortse från det "
            "här meddelandet: ditt lösenord förblir oförändrat.\n\n$tenant",
            "$tenant: återställ ditt lösenord: $link",
        ),
    },
    "invitation": {
        "en": (
            "$inviter invited you to $account on $tenant",
            "Hello,\n\n"
            "$inviter invited you to join $account on $tenant, to charge and manage electric vehicle "
            "charging. To accept, open this link:\n\n$link\n\n"
            "The invitation is valid for 24 hours and can be used once.\n\n$tenant",
            "$inviter invited you to $account on $tenant: $link (valid 24 h)",
        ),
        "et": (
            "$inviter kutsus teid liituma: $account ($tenant)",
            "Tere!\n\n"
            "$inviter kutsus teid liituma kontoga $account teenuses $tenant, et laadida elektrisõidukit ja "
            "hallata laadimist. Kutse vastuvõtmiseks avage see link:\n\n$link\n\n"
            "Kutse kehtib 24 tundi ja seda saab kasutada üks kord.\n\n$tenant",
            "$inviter kutsus teid liituma kontoga $account ($tenant): $link (kehtib 24 h)",
        ),
        "lt": (
            "$inviter pakvietė jus prisijungti prie $account ($tenant)",
            "Sveiki,\n\n"
            "$inviter pakvietė jus prisijungti prie paskyros $account paslaugoje $tenant, kad galėtumėte "
            "įkrauti elektromobilį ir valdyti įkrovimą. Norėdami priimti kvietimą, atidarykite šią "
            "nuorodą:\n\n$link\n\n"
            "Kvietimas galioja 24 valandas ir gali būti panaudotas vieną kartą.\n\n$tenant",
            "$inviter pakvietė jus prie $account ($tenant): $link (galioja 24 val.)",
        ),
        "nb": (
            "$inviter har invitert deg til $account hos $tenant",
            "Hei,\n\n"
            "$inviter har invitert deg til å bli med i $account hos $tenant, for å lade elbil og "
            "administrere lading. Åpne denne lenken for å godta:\n\n$link\n\n"
            "Invitasjonen er gyldig i 24 timer og kan brukes én gang.\n\n$tenant",
            "$inviter har invitert deg til $account hos $tenant: $link (gyldig i 24 t)",
        ),
        "sv": (
            "$inviter har bjudit in dig till $account hos $tenant",
            "Hej,\n\n"
            "$inviter har bjudit in dig att gå med i $account hos $tenant, för att ladda elbil och "
            "hantera laddning. Öppna den här länken för att tacka ja:\n\n$link\n\n"
            "Inbjudan gäller i 24 timmar och kan användas en gång.\n\n$tenant",
            "$inviter har bjudit in dig till $account hos $tenant: $link (gäller 24 h)",
        ),
    },
    "sub_account_invitation": {
        "en": (
            "$inviter set up the account $account for you on $tenant",
            "Hello,\n\n"
            "$inviter created the account $account for you on $tenant, as a sub-account of theirs "
            "(for example, to have your home charging reimbursed). To activate it, open this link:\n\n"
            "$link\n\n"
            "The invitation is valid for 24 hours and can be used once.\n\n$tenant",
            "$inviter set up the account $account for you on $tenant. Activate it: $link (valid 24 h)",
        ),
        "et": (
            "$inviter lõi teile konto $account ($tenant)",
            "Tere!\n\n"
            "$inviter lõi teile teenuses $tenant konto $account oma alamkontona (näiteks koduse "
            "laadimise kulude hüvitamiseks). Konto aktiveerimiseks avage see link:\n\n$link\n\n"
            "Kutse kehtib 24 tundi ja seda saab kasutada üks kord.\n\n$tenant",
            "$inviter lõi teile konto $account ($tenant). Aktiveerige: $link (kehtib 24 h)",
        ),
        "lt": (
            "$inviter sukūrė jums paskyrą $account ($tenant)",
            "Sveiki,\n\n"
            "$inviter paslaugoje $tenant sukūrė jums paskyrą $account kaip savo subpaskyrą (pavyzdžiui, "
            "kad būtų kompensuojamos įkrovimo namuose išlaidos). Norėdami ją aktyvuoti, atidarykite šią "
            "nuorodą:\n\n$link\n\n"
            "Kvietimas galioja 24 valandas ir gali būti panaudotas vieną kartą.\n\n$tenant",
            "$inviter sukūrė jums paskyrą $account ($tenant). Aktyvuokite: $link (galioja 24 val.)",
        ),
        "nb": (
            "$inviter har opprettet kontoen $account for deg hos $tenant",
            "Hei,\n\n"
            "$inviter har opprettet kontoen $account for deg hos $tenant, som en underkonto av sin egen "
            "(for eksempel for å få refundert lading hjemme). Åpne denne lenken for å aktivere den:\n\n"
            "$link\n\n"
            "Invitasjonen er gyldig i 24 timer og kan brukes én gang.\n\n$tenant",
            "$inviter har opprettet kontoen $account for deg hos $tenant. Aktiver: $link (gyldig i 24 t)",
        ),
        "sv": (
            "$inviter har skapat kontot $account åt dig hos $tenant",
            "Hej,\n\n"
            "$inviter har skapat kontot $account åt dig hos $tenant, som ett underkonto till sitt eget "
            "(till exempel för att få ersättning för laddning hemma). Öppna den här länken för att "
            "aktivera det:\n\n$link\n\n"
            "Inbjudan gäller i 24 timmar och kan användas en gång.\n\n$tenant",
            "$inviter har skapat kontot $account åt dig hos $tenant. Aktivera: $link (gäller 24 h)",
        ),
    },
    "password_changed": {
        "en": (
            "Your $tenant password was changed",
            "Hello $name,\n\n"
            "the password of your $tenant account was just changed, and you were logged out on your other "
            "devices. If it was not you, reset your password at once and contact $tenant support.\n\n$tenant",
            "$tenant: your password was changed. Not you? Reset it and contact support.",
        ),
        "et": (
            "Teie $tenant parool muudeti",
            "Tere, $name!\n\n"
            "Teie konto parool teenuses $tenant muudeti just ning teid logiti teistes seadmetes välja. "
            "Kui see polnud teie, lähtestage parool kohe ja võtke ühendust teenuse $tenant "
            "klienditoega.\n\n$tenant",
            "$tenant: teie parool muudeti. Polnud teie? Lähtestage see ja võtke ühendust klienditoega.",
        ),
        "lt": (
            "Jūsų $tenant slaptažodis pakeistas",
            "Sveiki, $name,\n\n"
            "jūsų paskyros slaptažodis paslaugoje $tenant ką tik buvo pakeistas, o kituose įrenginiuose "
            "buvote atjungti. Jei tai buvote ne jūs, nedelsdami atkurkite slaptažodį ir susisiekite su "
            "$tenant klientų aptarnavimu.\n\n$tenant",
            "$tenant: jūsų slaptažodis pakeistas. Ne jūs? Atkurkite jį ir susisiekite su aptarnavimu.",
        ),
        "nb": (
            "Passordet ditt hos $tenant er endret",
            "Hei $name,\n\n"
            "passordet til kontoen din hos $tenant ble nettopp endret, og du ble logget ut på de andre "
            "enhetene dine. Hvis det ikke var deg, tilbakestill passordet med en gang og kontakt "
            "kundestøtten til $tenant.\n\n$tenant",
            "$tenant: passordet ditt er endret. Ikke deg? Tilbakestill det og kontakt kundestøtten.",
        ),
        "sv": (
            "Ditt lösenord hos $tenant har ändrats",
            "Hej $name,\n\n"
            "lösenordet till ditt konto hos $tenant har just ändrats, och du har loggats ut på dina andra "
            "enheter. Om det inte var du, återställ lösenordet genast och kontakta kundtjänsten hos "
            "$tenant.\n\n$tenant",
            "$tenant: ditt lösenord har ändrats. Inte du? Återställ det och kontakta kundtjänsten.",
        ),
    },
    "alarm_raised": {
        "en": (
            "[$level] $what: $charger",
            "A $level alarm was raised at $tenant:\n\n$what\nCharger: $charger\n$detail\n\n"
            "Acknowledge or resolve it here: $link\n\n$tenant",
            "$tenant $level alarm: $what at $charger. $detail $link",
        ),
        "et": (
            "[$level] häire: $what, $charger",
            "Teenuses $tenant tekkis häire (tase: $level):\n\n$what\nLaadija: $charger\n$detail\n\n"
            "Kinnitage või lahendage see siin: $link\n\n$tenant",
            "$tenant häire ($level): $what, $charger. $detail $link",
        ),
        "lt": (
            "[$level] aliarmas: $what, $charger",
            "Paslaugoje $tenant užfiksuotas aliarmas (lygis: $level):\n\n$what\nĮkroviklis: $charger\n$detail\n\n"
            "Patvirtinkite arba išspręskite jį čia: $link\n\n$tenant",
            "$tenant aliarmas ($level): $what, $charger. $detail $link",
        ),
        "nb": (
            "[$level] alarm: $what, $charger",
            "En alarm ($level) ble utløst hos $tenant:\n\n$what\nLader: $charger\n$detail\n\n"
            "Kvitter eller løs den her: $link\n\n$tenant",
            "$tenant alarm ($level): $what, $charger. $detail $link",
        ),
        "sv": (
            "[$level] larm: $what, $charger",
            "Ett larm ($level) har utlösts hos $tenant:\n\n$what\nLaddare: $charger\n$detail\n\n"
            "Kvittera eller lös det här: $link\n\n$tenant",
            "$tenant larm ($level): $what, $charger. $detail $link",
        ),
    },
    **BILLING_TEXTS,
}
