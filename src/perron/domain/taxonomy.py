"""The incident taxonomy: stable category codes in three groups, with Dutch labels and a short
definition each, and the mapping of every cause label of the public disruption data and of
ProRail's incident log onto it (or onto "not safety related")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SOCIAL_SAFETY = "social_safety"
RAIL_SAFETY = "rail_safety"
SECURITY = "security"
GROUPS: dict[str, tuple[str, str]] = {
    SOCIAL_SAFETY: ("Sociale veiligheid", "Social safety"),
    RAIL_SAFETY: ("Spoorveiligheid", "Rail safety"),
    SECURITY: ("Security", "Security"),
}
NOT_SAFETY_RELATED = "not_safety_related"


@dataclass(frozen=True)
class Category:
    code: str
    group: str
    label_nl: str
    label_en: str
    definition: str


CATEGORIES: dict[str, Category] = {
    c.code: c
    for c in (
        Category(
            "aggression_staff_physical",
            SOCIAL_SAFETY,
            "Fysieke agressie tegen personeel",
            "Physical aggression against staff",
            "Violence or a threat with violence against staff on duty: hitting, kicking, spitting, "
            "throwing objects.",
        ),
        Category(
            "aggression_staff_verbal",
            SOCIAL_SAFETY,
            "Verbale agressie tegen personeel",
            "Verbal aggression against staff",
            "Insults, threats or intimidation of staff on duty without physical contact.",
        ),
        Category(
            "aggression_traveller_physical",
            SOCIAL_SAFETY,
            "Fysieke agressie tegen reizigers",
            "Physical aggression against travellers",
            "Violence between or against travellers and other visitors: assault, fights, robbery "
            "with violence.",
        ),
        Category(
            "aggression_traveller_verbal",
            SOCIAL_SAFETY,
            "Verbale agressie tegen reizigers",
            "Verbal aggression against travellers",
            "Insults, threats, discrimination or intimidation of travellers.",
        ),
        Category(
            "sexual_harassment",
            SOCIAL_SAFETY,
            "Seksuele intimidatie",
            "Sexual harassment",
            "Unwanted sexual remarks, gestures, following, touching or assault.",
        ),
        Category(
            "nuisance",
            SOCIAL_SAFETY,
            "Overlast",
            "Nuisance",
            "Behaviour that disturbs others without violence: loitering groups, drunkenness, "
            "begging, noise, fare-dodging conflicts.",
        ),
        Category(
            "confused_person",
            SOCIAL_SAFETY,
            "Verward persoon",
            "Confused person",
            "A person behaving in a confused or disoriented way who may be a danger to "
            "themselves or others.",
        ),
        Category(
            "drugs",
            SOCIAL_SAFETY,
            "Drugs",
            "Drugs",
            "Use of or dealing in drugs at or around the station.",
        ),
        Category(
            "vandalism",
            SOCIAL_SAFETY,
            "Vandalisme",
            "Vandalism",
            "Deliberate damage to station, train or track property, including graffiti.",
        ),
        Category(
            "theft",
            SOCIAL_SAFETY,
            "Diefstal / zakkenrollerij",
            "Theft / pickpocketing",
            "Theft from travellers or staff, pickpocketing, bicycle theft.",
        ),
        Category(
            "police_deployment",
            SOCIAL_SAFETY,
            "Inzet van de politie",
            "Police deployment",
            "Police called to the station or the track for a reason the source does not "
            "specify (the public disruption data says only this).",
        ),
        Category(
            "level_crossing_accident",
            RAIL_SAFETY,
            "Overwegongeval",
            "Level-crossing accident",
            "A train colliding with road traffic, or damage by road traffic, at a level crossing.",
        ),
        Category(
            "person_on_track",
            RAIL_SAFETY,
            "Persoon op of langs het spoor",
            "Person on or along the track",
            "An unauthorised person on or beside the track, without a collision.",
        ),
        Category(
            "collision_person",
            RAIL_SAFETY,
            "Aanrijding met een persoon",
            "Collision with a person",
            "A train hitting a person.",
        ),
        Category(
            "collision_unspecified",
            RAIL_SAFETY,
            "Aanrijding (onbepaald)",
            "Collision (unspecified)",
            "A collision the source does not specify. In the public disruption data this "
            "generic label includes collisions with persons from 2020 on.",
        ),
        Category(
            "near_miss",
            RAIL_SAFETY,
            "Bijna-ongeval",
            "Near miss",
            "A collision narrowly avoided: with a person, road traffic or a vehicle on the track.",
        ),
        Category(
            "track_worker_safety",
            RAIL_SAFETY,
            "Veiligheid spoorwerkers",
            "Track-worker safety",
            "A (near) collision with or an unsafe situation for people working on the track.",
        ),
        Category(
            "emergency_services",
            RAIL_SAFETY,
            "Inzet van hulpdiensten",
            "Emergency services deployed",
            "Ambulance, fire brigade or police deployed for an unspecified emergency, or "
            "traffic halted for safety reasons.",
        ),
        Category(
            "fire",
            RAIL_SAFETY,
            "Brand of brandmelding",
            "Fire or fire alarm",
            "A fire, smoke or fire alarm in a train, station or along the track.",
        ),
        Category(
            "derailment",
            RAIL_SAFETY,
            "Ontsporing",
            "Derailment",
            "A passenger or freight train leaving the rails.",
        ),
        Category(
            "sabotage",
            SECURITY,
            "Sabotage",
            "Sabotage",
            "Deliberate disruption of rail infrastructure or systems.",
        ),
        Category(
            "copper_theft",
            SECURITY,
            "Koperdiefstal",
            "Copper theft",
            "Theft of cables, copper or other infrastructure materials.",
        ),
        Category(
            "suspicious_object",
            SECURITY,
            "Verdacht object",
            "Suspicious object",
            "An unattended or suspicious object, or explosives found (including wartime ordnance).",
        ),
        Category(
            "bomb_threat",
            SECURITY,
            "Bommelding",
            "Bomb threat",
            "A threat that an explosive has been placed.",
        ),
        Category(
            "cyber_incident",
            SECURITY,
            "Cyberincident",
            "Cyber incident",
            "An attack on or failure of IT or OT systems caused by a third party.",
        ),
    )
}

#: statistical_cause_nl of the public disruption data → category (None: not safety related).
DISRUPTION_CAUSES: dict[str, str | None] = {
    "aanrijding met een persoon": "collision_person",
    "aanrijding": "collision_unspecified",
    "persoon op het spoor": "person_on_track",
    "mensen op het spoor": "person_on_track",
    "persoon langs het spoor": "person_on_track",
    "mensen langs het spoor": "person_on_track",
    "inzet van de politie": "police_deployment",
    "politieonderzoek": "police_deployment",
    "inzet van hulpdiensten": "emergency_services",
    "om veiligheidsredenen": "emergency_services",
    "inzet van de brandweer": "fire",
    "brandmelding": "fire",
    "brand in een trein": "fire",
    "rook in een trein": "fire",
    "bermbrand": "fire",
    "koperdiefstal": "copper_theft",
    "vandalisme": "vandalism",
    "aanrijding met een voertuig": "level_crossing_accident",
    "beschadigde overweg": "level_crossing_accident",
    "voertuig op het spoor": "near_miss",
    "het onschadelijk maken van een WO-II bom": "suspicious_object",
    "ontspoorde trein": "derailment",
    "ontspoorde goederentrein": "derailment",
}
_NOT_SAFETY_DISRUPTIONS = (
    "",
    "defecte trein",
    "seinstoring",
    "wisselstoring",
    "gestrande trein",
    "herstelwerkzaamheden",
    "defecte bovenleiding",
    "sein- en wisselstoring",
    "overwegstoring",
    "verstoring elders",
    "stroomstoring",
    "sein-en overwegstoring",
    "beperkingen in de materieelinzet",
    "eerdere verstoring",
    "defecte spoorbrug",
    "defect spoor",
    "uitloop van werkzaamheden",
    "logistieke beperkingen",
    "problemen met de personeelsinzet",
    "de weersomstandigheden",
    "boom op het spoor",
    "nog onbekende oorzaak",
    "dier op het spoor",
    "problemen op het spoor in het buitenland",
    "beschadigde spoorbrug",
    "beschadigd spoorviaduct",
    "staking",
    "onverwachte werkzaamheden",
    "storing in een tunnel",
    "versperring",
    "gladde sporen",
    "werkzaamheden",
    "beschadigde bovenleiding",
    "blikseminslag",
    "defect wissel",
    "technisch onderzoek",
    "meerdere verstoringen",
    "defecte treinen",
    "rommel op het spoor",
    "voorwerp in de bovenleiding",
    "systeemstoring",
    "staking bij Arriva",
    "hinder op het spoor",
    "grote sein- en wisselstoring",
    "harde wind op de hogesnelheidslijn",
    "defecte overweg",
    "aangepaste dienstregeling",
    "rijp aan de bovenleiding",
    "acties in het buitenland",
    "staking bij Keolis",
    "aanrijding met een dier",
    "spoedreparatie aan het spoor",
    "grote drukte",
    "werkzaamheden elders",
    "wateroverlast",
    "te grote vertraging",
    "staking bij Connexxion",
    "staking bij Breng",
    "de verwachte weersomstandigheden",
    "tekort aan verkeersleiders",
    "ijzelvorming aan de bovenleiding",
    "staking bij Qbuzz",
    "storing in de bediening van seinen",
    "Minder personeel bij NS als gevolg van corona",
    "stormschade",
    "evenement",
    "de inzet van ander materieel",
    "de aanleg van een nieuw spoor",
    "te veel vertraging in het buitenland",
    "Thialf-schaatsen",
    "treinstoring",
    "de bouw van een tunnel",
    "bedevaart",
    "acties personeel",
)
DISRUPTION_CAUSES.update(dict.fromkeys(_NOT_SAFETY_DISRUPTIONS))

#: Cause labels of ProRail's incident log → category (None: not safety related).
PRORAIL_LABELS: dict[str, str | None] = {
    "Aanrijding (bijna) tijdens werkzaamheden": "track_worker_safety",
    "Aanrijding met personen langs de baan": "collision_person",
    "Aanrijding met wegverkeer": "level_crossing_accident",
    "Bijna aanrijding met persoon langs baan": "near_miss",
    "Bijna aanrijding met wegverkeer": "near_miss",
    # a combined label; fire alarms are by far the most frequent of the three
    "Brand(alarm), bommelding, gevaar/explosie": "fire",
    # in the infrastructure manager's log, theft is theft of cables and materials
    "Diefstal": "copper_theft",
    "Vandalisme": "vandalism",
}
_NOT_SAFETY_PRORAIL = (
    "Afstelling onjuist/verlopen",
    "Applicatie/softwarefout",
    "Belemmerende vegetatie",
    "Bij onderzoek in orde/geen oorzaak gevonden",
    "Braamvorming",
    "Breuk/scheurvorming/afbrokkeling",
    "Corrosie/aantasting",
    "Defect bijzonder voertuig tijdens transport",
    "Dieren, schade door of (bijna) aanrijding",
    "Doorbranden",
    "EMC/bliksem",
    "Extreem hoge temperatuur",
    "Extreem lage temperatuur",
    "Fabricagefout",
    "Geen onderzoek",
    "Gladde sporen (bladval/chemicalien)",
    "Golfslijtage",
    "Groefvorming",
    "IJsafzetting/ijzel",
    "In- en uitzetten materieel",
    "Ingebrand/verbrand",
    "Inrijden",
    "Isolatie",
    "Katterug",
    "Klapper",
    "Kortsluiten",
    "Lekkage",
    "Levering nutsbedrijf: elek/gas/water/tel",
    "Montagefout",
    "Niet gemeld",
    "Omhoog werken/verschuiven",
    "Onderdeel defect door onbekende oorzaak",
    "Ondeskundig gebruik derden (bediening)",
    "Ongepland werk",
    "Onjuiste geometrie/ligging/blinde vering",
    "Onvoldoende onderhoud",
    "Onvoldoende smering",
    "Openrijden/kapotrijden",
    "Overbelasting",
    "Overig derden",
    "Overig processen",
    "Overig technisch",
    "Overspanning",
    "Pekel/zout",
    "RCF (headcheck)",
    "Regen/vocht/wateroverlast",
    "Schade door weg-/werk-/waterverkeer",
    "Slijtage",
    "Sneeuw/hagel",
    "Storm",
    "Systeemfout",
    "Trillingen",
    "Uitloop treinvrije periode",
    "Uitwalsing",
    "Vastgelopen",
    "Verbogen/vervormd",
    "Veroudering",
    "Verrot",
    "Vervuiling (derden)",
    "Vervuiling (technisch)",
    "Verzakking/klink/zetting",
    "Vreemd voorwerp",
    "Werkzaamheden",
)
PRORAIL_LABELS.update(dict.fromkeys(_NOT_SAFETY_PRORAIL))


class UnmappedCause(KeyError):
    """A cause label that the taxonomy does not know: it must be mapped before import."""


#: The communicated causes (``cause_nl``) of rows that report the aftermath of an earlier
#: disruption: they repeat an incident already counted, so neither the registry's import nor
#: the forecast counts them again.
FOLLOW_UP_CAUSES = ("eerdere verstoring",)


def is_follow_up(cause_nl: str) -> bool:
    """Whether a disruption row with this communicated cause repeats an earlier one."""
    return cause_nl.strip().lower() in FOLLOW_UP_CAUSES


def category_for_disruption_cause(cause: str) -> str | None:
    """The category of a disruption's ``statistical_cause_nl``; None when not safety related."""
    try:
        return DISRUPTION_CAUSES[cause.strip()]
    except KeyError:
        raise UnmappedCause(f"disruption cause {cause!r} is not in the taxonomy") from None


def category_for_prorail_label(label: str) -> str | None:
    try:
        return PRORAIL_LABELS[label.strip()]
    except KeyError:
        raise UnmappedCause(f"ProRail cause label {label!r} is not in the taxonomy") from None


def group_of(category: str) -> str | None:
    """The group of a category code (None for an unknown code)."""
    found = CATEGORIES.get(category)
    return found.group if found else None


def members(code: str) -> list[str]:
    """The category codes of a group; [] when ``code`` is not a group."""
    return [c.code for c in CATEGORIES.values() if c.group == code]


def all_groups() -> Iterable[tuple[str, str]]:
    """(category, group) for every category."""
    return [(c.code, c.group) for c in CATEGORIES.values()]


def label(code: str, lang: str = "nl") -> str:
    found = CATEGORIES.get(code)
    if found is None:
        return GROUPS.get(code, (code, code))[0 if lang == "nl" else 1]
    return found.label_nl if lang == "nl" else found.label_en
