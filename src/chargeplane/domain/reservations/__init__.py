"""Reservations (OCPP 1.6 Reservation profile): a connector, or any connector of a charger, held for
one card until a time; sent as ReserveNow, withdrawn by CancelReservation, used by the
StartTransaction that names it."""
