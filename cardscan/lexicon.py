"""Word lists the card parser reasons with: job titles, org units, company forms, labels, places.

All entries are lower case and compared against lower-cased OCR tokens with punctuation at
the ends stripped. Lists cover English, German, French and Spanish cards, with the common
Dutch and Italian words too; accented words are also listed without accents because OCR (and
some printers) drop them, and :data:`ACCENTED` maps the bare form back to the printed one.
Title words, and the labels and street words that give a card's language away, also record
their language (:data:`WORD_LANGUAGES`): a word of one language is no misreading of a word of
another, and the language narrows down the card's country.
Nothing here names a particular person or company: the lists describe kinds of words.
"""

from __future__ import annotations

import unicodedata


def strip_accents(text: str) -> str:
    """``text`` without its accents and other combining marks ("Müller" → "Muller")."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower case without accents, as the lists here are written and OCR words compared.

    The Turkish dotless "ı" folds to "i" like its capital "I" does.
    """
    return strip_accents(text.replace("ı", "i").lower())


def _words(text: str) -> frozenset[str]:
    """A frozenset from whitespace-separated words (keeps the lists below readable)."""
    return frozenset(text.split())


#: Filled by :func:`_strip_accents`: accent-free form → printed form, where the accent-free
#: form is not a word of the same list in its own right ("general" is English too).
_BARE_TO_ACCENTED: dict[str, str] = {}


def _forms(word: str) -> tuple[str, str, str]:
    """``word``, without its accents, and with umlauts transliterated ("für", "fur", "fuer")."""
    bare = strip_accents(word)
    translit = word.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    return word, bare, translit


def _strip_accents(words: frozenset[str]) -> frozenset[str]:
    """``words`` plus each word with its accents and umlauts removed or transliterated."""
    out = set(words)
    for w in words:
        _, bare, translit = _forms(w)
        out.update((bare, translit))
        if bare != w and bare not in words:
            _BARE_TO_ACCENTED.setdefault(bare, w)
    return frozenset(out)


# Title vocabulary by language ("*": the English loanwords cards print in every language).
# :func:`_by_language` merges each table into one set and records which languages use a word,
# so the parser can tell a slip ("Ressources" read for "Resources") from another language.
_LANGUAGE_WORDS: dict[str, set[str]] = {}


def _by_language(table: dict[str, str], *, accents: bool = True) -> frozenset[str]:
    """Every word of ``table`` (also without accents), noting the languages that use each.

    Accent-free forms are mapped back to the printed ones (see :data:`ACCENTED`) only where
    no language of the table spells the word without them ("president" is English too), and
    only when ``accents``.
    """
    union = _words(" ".join(table.values()))
    out = _strip_accents(union) if accents else frozenset(f for w in union for f in _forms(w))
    for language, text in table.items():
        for word in _words(text):
            for form in _forms(word):
                _LANGUAGE_WORDS.setdefault(form, set()).add(language)
    return out


#: Nouns that make a line a job title on their own ("Manager", "Geschäftsführer", "Gerente").
TITLE_ROLES: frozenset[str] = _by_language(
    {
        "*": "manager director consultant designer developer controller assistant partner "
        "ceo cto cfo coo cmo cio ciso cpo cso cro vp svp evp avp md gm",
        "en": "president officer engineer analyst "
        "architect specialist coordinator administrator executive founder co-founder "
        "cofounder owner chairman chairwoman chairperson chair secretary treasurer "
        "accountant attorney lawyer counsel advisor adviser representative agent supervisor "
        "scientist researcher professor lecturer editor producer strategist planner technician "
        "programmer recruiter buyer auditor broker realtor nurse physician dentist "
        "therapist pharmacist photographer writer journalist coach trainer teacher proprietor "
        "intern evangelist fellow principal "
        "superintendent foreman curator librarian surveyor inspector operator "
        "salesman saleswoman salesperson receptionist clerk officer leader lead head "
        "expert economist",
        "de": "geschäftsführer geschäftsführerin leiter leiterin inhaber inhaberin ingenieur "
        "ingenieurin berater beraterin referent referentin sachbearbeiter sachbearbeiterin "
        "vorstand vorstandsvorsitzender vorsitzender vorsitzende prokurist prokuristin "
        "entwickler entwicklerin kaufmann kauffrau assistentin assistenz mitarbeiter "
        "mitarbeiterin direktor direktorin präsident präsidentin rechtsanwalt rechtsanwältin "
        "steuerberater steuerberaterin architekt architektin managerin gesellschafter "
        "gesellschafterin vertreter vertreterin techniker technikerin meister meisterin "
        "fachberater fachberaterin verkäufer verkäuferin",
        "fr": "directeur directrice gérant gérante président présidente responsable chef ingénieur "
        "ingénieure conseiller conseillère chargé chargée consultante associé associée "
        "fondateur fondatrice commercial commerciale technicien technicienne assistante "
        "comptable avocat avocate architecte développeur développeuse chercheur chercheuse "
        "délégué déléguée administrateur administratrice pdg dg dga daf drh "
        "attaché attachée secrétaire animateur animatrice expert experte expert-comptable "
        "experte-comptable avocate-conseil",
        "es": "directora gerente jefe jefa ingeniero ingeniera consultor consultora presidenta "
        "asesor asesora socio socia fundador fundadora coordinador coordinadora técnico "
        "técnica abogado abogada arquitecto arquitecta desarrollador desarrolladora analista "
        "administrador administradora representante ejecutivo ejecutiva secretario secretaria "
        "contable delegado delegada encargado encargada comercial vendedor vendedora",
        "it": "responsabile direttore direttrice amministratore amministratrice delegato "
        "ingegnere consulente titolare presidente tecnico architetto avvocato commercialista "
        "geometra impiegato impiegata addetto addetta capo fondatrice progettista",
        "nl": "eigenaar projectleider adviseur medewerker verkoper bedrijfsleider accountmanager "
        "ontwikkelaar oprichter vennoot hoofd teamleider advocaat notaris directrice "
        "projectmanager",
    }
)

# More roles, by language: professions, public offices and the feminine forms cards print.
TITLE_ROLES |= _by_language(
    {
        "*": "cdo chro cco cao cbo chro ciso cxo",
        "en": "associate ambassador advocate paralegal notary physiotherapist veterinarian "
        "optometrist surgeon doctor psychologist counselor counsellor instructor tutor "
        "provost rector registrar commissioner councillor councilor "
        "envoy underwriter actuary appraiser estimator draftsman machinist electrician "
        "plumber mechanic sommelier stylist artist illustrator animator translator "
        "interpreter copywriter webmaster sysadmin tester concierge dealer "
        "distributor trader banker liaison facilitator mediator arbitrator investigator "
        "paramedic midwife generalist trustee director-general",
        "de": "sachverständiger sachverständige gutachter gutachterin prüfer prüferin "
        "einkäufer einkäuferin kundenbetreuer kundenbetreuerin disponent disponentin "
        "spezialist spezialistin koordinator koordinatorin analyst analystin betreuer "
        "betreuerin assistent notar notarin arzt ärztin apotheker apothekerin professorin "
        "dozent dozentin redakteur redakteurin fotograf fotografin designerin planer planerin "
        "vorständin bevollmächtigter bevollmächtigte",
        "fr": "gestionnaire représentant représentante agent coordinateur coordinatrice "
        "analyste stagiaire formateur formatrice rédacteur rédactrice notaire pharmacien "
        "pharmacienne médecin docteur infirmier infirmière vendeur vendeuse acheteur "
        "acheteuse cogérant cogérante co-gérant opérateur opératrice spécialiste superviseur "
        "superviseure contrôleur contrôleuse auditeur auditrice juriste économiste urbaniste "
        "graphiste photographe journaliste ingénieur-conseil président-directeur",
        "es": "directora subdirector subdirectora subgerente gerenta responsable especialista "
        "supervisor supervisora gestor gestora agente comprador compradora auditor auditora "
        "contador contadora notario notaria médico médica doctor doctora profesor profesora "
        "investigador investigadora diseñador diseñadora programador programadora redactor "
        "redactora periodista fotógrafo fotógrafa consejero consejera becario becaria "
        "vicepresidente vicepresidenta presidente apoderado apoderada",
        "it": "dirigente funzionario funzionaria ragioniere ragioniera specialista analista "
        "agente venditore venditrice coordinatore coordinatrice segretario segretaria socio "
        "socia fondatore vicedirettore vicepresidente medico dottore dottoressa ingegnera "
        "architetta avvocata consigliere perito collaboratore collaboratrice rappresentante "
        "procuratore",
        "nl": "directeur consultant vertegenwoordiger specialist coördinator coordinator "
        "ingenieur architect bestuurder voorzitter secretaris penningmeester verkoopleider "
        "stagiair zaakvoerder projectcoördinator",
    }
)

#: Endings that make a German compound a role ("Vertriebsleiter", "Projektmanagerin").
TITLE_ROLE_ENDINGS: tuple[str, ...] = tuple(
    _words(
        "leiter leiterin manager managerin ingenieur ingenieurin berater beraterin entwickler "
        "entwicklerin führer führerin fuehrer fuhrer direktor direktorin referent referentin "
        "assistent assistentin techniker technikerin kaufmann kauffrau officer director "
        "engineer leider medewerker adviseur manager"
    )
)

#: Words that rank or qualify a role ("Senior", "Deputy", "Stellvertretender", "Adjoint").
SENIORITY: frozenset[str] = _by_language(
    {
        "*": "senior sr sr. junior jr jr. vice",
        "en": "chief head deputy assistant associate executive "
        "general lead principal managing regional global national acting interim staff",
        "de": "leitender leitende stellvertretender stellvertretende erster oberster",
        "fr": "adjoint adjointe principal général générale",
        "es": "adjunto adjunta general principal ejecutivo mayor",
        "it": "generale aggiunto",
    }
)

# Qualifiers that rank or place a role ("Kaufmännischer Leiter", "Directeur Adjoint").
SENIORITY |= _by_language(
    {
        "en": "corporate joint first second",
        "de": "geschäftsführender geschäftsführende kaufmännischer kaufmännische technischer "
        "technische",
        "fr": "délégué déléguée",
        "es": "adjunto sub",
        "it": "vice esecutivo esecutiva senior unico unica",
        "nl": "algemeen adjunct",
    }
)

#: Words of an organisational unit: a line of these without a role is not a job title.
ORG_UNITS: frozenset[str] = _by_language(
    {
        "en": "department dept dept. division div section unit team office bureau branch "
        "headquarters hq group center centre practice desk lab laboratory",
        "de": "abteilung bereich referat geschäftsbereich fachbereich niederlassung zentrale",
        "fr": "département service direction pôle agence",
        "es": "departamento área división sección unidad oficina gerencia dirección",
        "it": "reparto ufficio divisione",
        "nl": "afdeling",
    }
)

#: Subject words of a department ("Sales", "Vertrieb") that carry no role by themselves.
FUNCTION_WORDS: frozenset[str] = _by_language(
    {
        "*": "marketing it hr software hardware data digital design business",
        "en": "sales finance accounting operations engineering research development "
        "product products human resources customer service services legal support "
        "strategy planning communications logistics procurement purchasing "
        "quality technology network platform management administration projects project "
        "commercial",
        "de": "vertrieb einkauf buchhaltung entwicklung forschung verwaltung personal "
        "personalwesen produktion projekt projekte technik logistik qualität",
        "fr": "ventes achats comptabilité recherche ressources humaines informatique juridique "
        "qualité communication production projet projets technique logistique",
        "es": "ventas compras contabilidad investigación desarrollo administración "
        "recursos humanos informática calidad producción proyecto proyectos logística",
        "it": "vendite acquisti risorse umane informatica qualità produzione progetto progetti "
        "amministrazione logistica",
        "nl": "verkoop inkoop personeelszaken productie kwaliteit",
    }
)

# More subjects of departments, by language ("Key Accounts", "Grands Comptes", "Exportación").
FUNCTION_WORDS |= _by_language(
    {
        "*": "export import marketing controlling",
        "en": "overseas domestic international internal external strategic account accounts "
        "client clients customers enterprise public affairs relations partnerships alliances "
        "channel channels retail wholesale business-development corporate compliance risk "
        "treasury investor tax security infrastructure innovation analytics",
        "de": "außendienst aussendienst innendienst kundenservice kundendienst "
        "geschäftsentwicklung unternehmensentwicklung recht steuern finanzen presse "
        "kommunikation öffentlichkeitsarbeit",
        "fr": "affaires clientèle comptes grands développement relations partenariats "
        "internationale finances financier financière administratif administrative export "
        "exportation",
        "es": "cuentas clave clientes exportación negocios finanzas operaciones técnica "
        "atención cliente relaciones internacional mercadotecnia comunicación",
        "it": "commerciale clienti estero finanza amministrativo amministrativa personale "
        "relazioni sviluppo tecnica tecnico",
        "nl": "commercieel commerciële financieel financiële technisch technische "
        "klantenservice ontwikkeling bedrijfsvoering operationeel",
    }
)

#: Short words that glue a title together, by language ("Directeur des ventes").
TITLE_GLUE: frozenset[str] = _by_language(
    {
        "en": "of and the for",
        "de": "und für der die des",
        "fr": "de des du la le et pour en d' l'",
        "es": "de del la y para",
        "it": "di del della e per",
        "nl": "van de het en voor",
    },
    accents=False,
)

# Phone labels and address words that tell a card's language (no set of their own).
_by_language(
    {
        "de": "handy mobil mobiltelefon telefon durchwahl zentrale telefax festnetz büro "
        "straße strasse str weg platz allee gasse postfach",
        "fr": "portable télécopie fixe ligne directe accueil courriel rue allée chemin quai "
        "cedex étage bâtiment",
        "es": "móvil teléfono tfno fijo centralita correo calle avenida avda paseo carretera "
        "piso planta puerta edificio",
        "it": "cellulare telefono ufficio centralino viale piazza corso vicolo",
        "nl": "mobiel telefoon kantoor receptie straat laan plein gracht kade",
    },
    accents=False,
)

#: Word → the languages of the list that use it: title words, the words that glue titles
#: together, phone labels and street words ("*" for loanwords every language uses).
WORD_LANGUAGES: dict[str, frozenset[str]] = {w: frozenset(ls) for w, ls in _LANGUAGE_WORDS.items()}

#: Regions where a language of the list is spoken on business cards. English is left
#: out: it is the language of international cards from anywhere.
LANGUAGE_REGIONS: dict[str, tuple[str, ...]] = {
    "de": ("DE", "AT", "CH", "LI", "LU"),
    "fr": ("FR", "BE", "CH", "CA", "LU", "MC"),
    "es": ("ES", "MX", "AR", "CL", "CO", "PE", "UY", "VE", "EC"),
    "it": ("IT", "CH", "SM"),
    "nl": ("NL", "BE"),
}

#: Title words written in capitals whatever the case of the rest ("Head of IT", "VP Sales").
TITLE_ACRONYMS: frozenset[str] = _words(
    "ceo cto cfo coo cmo cio ciso cpo cso cro cdo vp svp evp avp md gm hr it pr qa ux ui "
    "pdg dg dga daf drh rh dsi r&d emea apac dach latam"
)

#: Legal forms that end a company name, as token sequences with the dots removed.
#: ("Co.,Ltd" → "co ltd" and "coltd"; "S.A." → "sa"). Compared at the end of a line.
COMPANY_SUFFIXES: frozenset[str] = _words(
    "inc incorporated llc ltd limited corp corporation plc llp lp lllp pllc pc "
    "coltd co kk gk yk "
    "gmbh ag kg ohg ug gbr ev ek kgaa mbh se "
    "sarl sas sasu eurl sa sca snc sci selarl ltee "
    "sl slu sau scp sccl "
    "bv nv vof "
    "pty pte bhd sdn "
    "spa srl sas snc "
    "oy oyj ab as asa aps "
    "sro kft zrt doo "
    "company companies"
) | frozenset(
    {
        "co ltd",
        "co inc",
        "pty ltd",
        "pte ltd",
        "sdn bhd",
        "gmbh co kg",
        "co kg",
        "ag co kg",
        "s a",
        "s l",
        "b v",
        "n v",
        "k k",
        "s a s",
        "s a r l",
        "s r l",
        "s p a",
        "l l c",
        "gmbh & co kg",
        "& co",
        "and co",
        "y cia",
        "sp z oo",
        "ltda",
        "sa de cv",
        "s de rl",
        "s de rl de cv",
        "sapi de cv",
    }
)

#: Nouns that suggest a line names a company even without a legal form.
COMPANY_WORDS: frozenset[str] = _strip_accents(
    _words(
        "group solutions technologies technology tech consulting consultants systems labs "
        "laboratories partners international holdings holding enterprises industries "
        "services software studio studios agency bank associates ventures capital media "
        "networks digital analytics logistics design communications engineering healthcare "
        "pharma pharmaceuticals foods motors electronics energy insurance realty properties "
        "investments trading manufacturing works firm institute university foundation "
        "hospital clinic corporation company incorporated limited company "
        "gruppe beratung technik systeme dienstleistungen handel verlag werke versicherung "
        "versicherungen immobilien gesellschaft "
        "groupe conseil société technologies agence cabinet atelier "
        "grupo soluciones tecnologías consultores servicios sistemas asesores agencia "
        "empresa compañía construcciones inversiones "
        "gruppo soluzioni servizi sistemi studio "
        "groep diensten adviesbureau bouw vastgoed "
        # Institutions: universities, schools, public bodies, associations.
        "college school academy ministry council association society federation chamber "
        "engineers universidad universidade université universität università universita "
        "universiteit hochschule escuela école scuola instituto institut istituto academia "
        "akademie hôpital hospital ospedale krankenhaus ministerio ministère ministerium "
        "asociación association associazione verband verein fundación fondation stiftung"
    )
)

#: Phone labels and the kind of number each announces.
PHONE_LABELS: dict[str, str] = {
    **dict.fromkeys(
        _words(
            "t tel tel. tele phone ph ph. office direct dir telephone telefon telefono teléfono "
            "tfno tfn tlf tél téléphone fon fone büro buero work land landline voice fixe fijo "
            "festnetz durchwahl bureau ligne directe telefoon kantoor ufficio"
        ),
        "work",
    ),
    **dict.fromkeys(
        _words(
            "m mobile mob mob. mobil mobiltelefon portable móvil movil mov mov. handy cell "
            "cellular cel celular gsm natel mobiel cellulare"
        ),
        "mobile",
    ),
    **dict.fromkeys(_words("f fax telefax facsimile télécopie telecopie fac"), "fax"),
    # The company's general line rather than the person's own.
    **dict.fromkeys(
        _words(
            "main switchboard reception zentrale empfang standard accueil centralita centralino "
            "receptie hotline"
        ),
        "other",
    ),
}
PHONE_LABELS.update(
    {
        **dict.fromkeys(
            _words(
                "phone: tel: telephone: direkt direktwahl diretto directo directe "
                "tel.-nr tel.nr telefonnummer"
            ),
            "work",
        ),
        **dict.fromkeys(
            _words("cellphone handphone hp mobilephone mobilnummer mobiltel cellulaire"),
            "mobile",
        ),
        **dict.fromkeys(
            _words("tollfree freephone freecall gebührenfrei gebuhrenfrei"), "toll-free"
        ),
    }
)

#: Labels of more than one word, matched on folded text before the single words: a number
#: free to call ("Toll-free", "Numéro vert") says so in two words, one of which ("phone")
#: alone would announce an ordinary line.
PHONE_LABEL_PHRASES: dict[str, str] = {
    **dict.fromkeys(
        (
            "toll free",
            "toll-free",
            "free phone",
            "free call",
            "numero vert",
            "n° vert",
            "no vert",
            "numero verde",
            "numero gratuito",
            "linea gratuita",
            "llamada gratuita",
            "gratis nummer",
            "gratis telefoon",
            "kostenlose rufnummer",
            "kostenlos",
            "kostenfrei",
            "service gratuit",
            "appel gratuit",
        ),
        "toll-free",
    ),
    "mobile phone": "mobile",
    "cell phone": "mobile",
    "telefono movil": "mobile",
    "telefono cellulare": "mobile",
    "direct line": "work",
    "ligne directe": "work",
}

#: Words that announce an e-mail address ("E-mail:", "Courriel").
EMAIL_LABELS: frozenset[str] = _words("e e-mail email mail e-mail: courriel correo e-post")

#: Words that announce a website.
WEB_LABELS: frozenset[str] = _words("w web url www website site internet homepage web: url:")

#: Social networks: host (as printed) → canonical host used in the output.
SOCIAL_HOSTS: dict[str, str] = {
    "linkedin.com": "linkedin.com",
    "www.linkedin.com": "linkedin.com",
    "de.linkedin.com": "linkedin.com",
    "fr.linkedin.com": "linkedin.com",
    "es.linkedin.com": "linkedin.com",
    "uk.linkedin.com": "linkedin.com",
    "twitter.com": "x.com",
    "www.twitter.com": "x.com",
    "x.com": "x.com",
    "instagram.com": "instagram.com",
    "www.instagram.com": "instagram.com",
    "facebook.com": "facebook.com",
    "www.facebook.com": "facebook.com",
    "fb.com": "facebook.com",
    "github.com": "github.com",
    "www.github.com": "github.com",
    "xing.com": "xing.com",
    "www.xing.com": "xing.com",
    "youtube.com": "youtube.com",
    "www.youtube.com": "youtube.com",
    "tiktok.com": "tiktok.com",
    "www.tiktok.com": "tiktok.com",
    "mastodon.social": "mastodon.social",
}

#: Labels that turn an ``@handle`` into a profile on that network.
SOCIAL_LABELS: dict[str, str] = {
    "twitter": "x.com",
    "x": "x.com",
    "instagram": "instagram.com",
    "insta": "instagram.com",
    "ig": "instagram.com",
    "github": "github.com",
    "linkedin": "linkedin.com",
    "facebook": "facebook.com",
    "fb": "facebook.com",
    "xing": "xing.com",
    "tiktok": "tiktok.com",
    "mastodon": "mastodon.social",
}

#: Words found in street addresses (street types, building parts, Japanese ward suffixes).
ADDRESS_WORDS: frozenset[str] = _strip_accents(
    _words(
        "street st st. avenue ave ave. road rd rd. boulevard blvd blvd. lane ln drive "
        "way suite ste ste. floor fl fl. bldg bldg. building tower plaza square sq court ct "
        "place pl highway hwy parkway pkwy p.o. po box unit level house park center centre "
        "alley bend bridge brook causeway circle close crescent crossing dale estate gardens "
        "gate glen green grove heights hill hollow junction loop manor mews mill mount "
        "parade pass path pike point ridge rise row spur terrace trace trail turnpike "
        "valley view village vista walk wharf wynd brace route squares quay creek viaduct "
        "thoroughfare flats fields ford forge harbor harbour haven island isle lake landing "
        "meadow meadows orchard pines plains prairie ranch shoal shore springs stream "
        "summit trafficway underpass union ville "
        "straat laan plein gracht kade singel dijk via viale piazza corso vicolo largo "
        "strada contrada urbanización urbanizacion barrio "
        "straße strasse str str. weg platz allee gasse ring damm ufer chaussee stock etage "
        "postfach "
        "rue avenue bd boulevard allée chemin quai cedex bp impasse route étage bâtiment "
        "calle c/ avda avda. avenida plaza paseo carretera piso planta puerta edificio "
        "ronda camino travesía "
        "chome chō-me"
    )
)

#: Suffixes of street names written as one word ("Hauptstraße", "Lindenweg").
ADDRESS_ENDINGS: tuple[str, ...] = tuple(
    _words(
        "straße strasse str. weg platz allee gasse damm -ku -shi -cho -machi -gun -ken "
        "-dori straat laan plein gracht boulevard"
    )
)

#: Country names (and common abbreviations) as printed on cards → ISO 3166 region.
COUNTRY_NAMES: dict[str, str] = {
    "japan": "JP",
    "nippon": "JP",
    "germany": "DE",
    "deutschland": "DE",
    "france": "FR",
    "spain": "ES",
    "españa": "ES",
    "espana": "ES",
    "united kingdom": "GB",
    "u.k.": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "great britain": "GB",
    "northern ireland": "GB",
    "usa": "US",
    "u.s.a.": "US",
    "united states": "US",
    "united states of america": "US",
    "canada": "CA",
    "australia": "AU",
    "new zealand": "NZ",
    "italy": "IT",
    "italia": "IT",
    "netherlands": "NL",
    "the netherlands": "NL",
    "nederland": "NL",
    "holland": "NL",
    "belgium": "BE",
    "belgique": "BE",
    "belgië": "BE",
    "belgien": "BE",
    "switzerland": "CH",
    "schweiz": "CH",
    "suisse": "CH",
    "svizzera": "CH",
    "austria": "AT",
    "österreich": "AT",
    "oesterreich": "AT",
    "ireland": "IE",
    "portugal": "PT",
    "mexico": "MX",
    "méxico": "MX",
    "brazil": "BR",
    "brasil": "BR",
    "argentina": "AR",
    "chile": "CL",
    "colombia": "CO",
    "peru": "PE",
    "perú": "PE",
    "china": "CN",
    "p.r. china": "CN",
    "korea": "KR",
    "south korea": "KR",
    "republic of korea": "KR",
    "singapore": "SG",
    "india": "IN",
    "thailand": "TH",
    "vietnam": "VN",
    "viet nam": "VN",
    "indonesia": "ID",
    "malaysia": "MY",
    "philippines": "PH",
    "taiwan": "TW",
    "hong kong": "HK",
    "sweden": "SE",
    "sverige": "SE",
    "norway": "NO",
    "norge": "NO",
    "denmark": "DK",
    "danmark": "DK",
    "finland": "FI",
    "suomi": "FI",
    "poland": "PL",
    "polska": "PL",
    "czech republic": "CZ",
    "czechia": "CZ",
    "hungary": "HU",
    "greece": "GR",
    "turkey": "TR",
    "türkiye": "TR",
    "israel": "IL",
    "united arab emirates": "AE",
    "uae": "AE",
    "south africa": "ZA",
    "luxembourg": "LU",
    "monaco": "MC",
    "russia": "RU",
    "allemagne": "DE",
    "alemania": "DE",
    "frankreich": "FR",
    "francia": "FR",
    "spanien": "ES",
    "espagne": "ES",
    "japon": "JP",
    "japón": "JP",
    "royaume-uni": "GB",
    "reino unido": "GB",
    "estados unidos": "US",
    "états-unis": "US",
}

#: English names of the other countries with a numbering plan (from libphonenumber's
#: geocoding data), except those that are also common given names, US states or words
#: ("Jordan", "Georgia", "Chad", "Turkey"): an address names its country last.
_MORE_COUNTRIES = (
    "afghanistan=AF; albania=AL; algeria=DZ; american samoa=AS; andorra=AD; angola=AO; "
    "antigua and barbuda=AG; armenia=AM; azerbaijan=AZ; bahrain=BH; bangladesh=BD; "
    "belarus=BY; belize=BZ; benin=BJ; bhutan=BT; bolivia=BO; bonaire, sint eustatius and "
    "saba=BQ; bosnia and herzegovina=BA; botswana=BW; british indian ocean territory=IO; "
    "british virgin islands=VG; brunei=BN; bulgaria=BG; burkina faso=BF; burundi=BI; "
    "cambodia=KH; cameroon=CM; cape verde=CV; cayman islands=KY; central african "
    "republic=CF; christmas island=CX; cocos islands=CC; congo=CG; cook islands=CK; costa "
    "rica=CR; croatia=HR; curaçao=CW; côte d'ivoire=CI; djibouti=DJ; dominican "
    "republic=DO; ecuador=EC; egypt=EG; el salvador=SV; equatorial guinea=GQ; eritrea=ER; "
    "estonia=EE; ethiopia=ET; falkland islands=FK; faroe islands=FO; french guiana=GF; "
    "french polynesia=PF; gabon=GA; gambia=GM; ghana=GH; gibraltar=GI; greenland=GL; "
    "guadeloupe=GP; guatemala=GT; guinea-bissau=GW; guyana=GY; haiti=HT; honduras=HN; "
    "iceland=IS; jamaica=JM; kazakhstan=KZ; kenya=KE; kiribati=KI; kuwait=KW; "
    "kyrgyzstan=KG; laos=LA; latvia=LV; lebanon=LB; lesotho=LS; liberia=LR; libya=LY; "
    "liechtenstein=LI; lithuania=LT; macedonia=MK; madagascar=MG; malawi=MW; maldives=MV; "
    "marshall islands=MH; martinique=MQ; mauritania=MR; mauritius=MU; mayotte=YT; "
    "micronesia=FM; moldova=MD; mongolia=MN; montenegro=ME; morocco=MA; mozambique=MZ; "
    "myanmar=MM; namibia=NA; nepal=NP; new caledonia=NC; nicaragua=NI; nigeria=NG; "
    "norfolk island=NF; north korea=KP; northern mariana islands=MP; pakistan=PK; "
    "palestine=PS; papua new guinea=PG; paraguay=PY; puerto rico=PR; qatar=QA; "
    "reunion=RE; romania=RO; rwanda=RW; saint helena=SH; saint kitts and nevis=KN; saint "
    "lucia=LC; saint pierre and miquelon=PM; saint vincent and the grenadines=VC; san "
    "marino=SM; sao tome and principe=ST; saudi arabia=SA; senegal=SN; serbia=RS; "
    "seychelles=SC; sierra leone=SL; sint maarten (dutch part)=SX; slovakia=SK; "
    "slovenia=SI; solomon islands=SB; somalia=SO; south sudan=SS; sri lanka=LK; sudan=SD; "
    "suriname=SR; svalbard and jan mayen=SJ; swaziland=SZ; syria=SY; tajikistan=TJ; "
    "tanzania=TZ; the democratic republic of congo=CD; timor-leste=TL; trinidad and "
    "tobago=TT; tunisia=TN; turkmenistan=TM; turks and caicos islands=TC; tuvalu=TV; u.s. "
    "virgin islands=VI; uganda=UG; ukraine=UA; uruguay=UY; uzbekistan=UZ; vanuatu=VU; "
    "vatican=VA; venezuela=VE; wallis and futuna=WF; yemen=YE; zambia=ZM; zimbabwe=ZW; "
    "åland islands=AX "
)
COUNTRY_NAMES.update(
    (name.strip(), region.strip())
    for name, _, region in (item.partition("=") for item in _MORE_COUNTRIES.split(";"))
)

# Every country-code top-level domain (ISO 3166 two-letter codes plus .uk, .eu, .ac…).
_CC_TLDS = (
    "ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn "
    "bo bq br bs bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de "
    "dj dk dm do dz ec ee eg eh er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm "
    "gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp "
    "ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mf mg mh "
    "mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om "
    "pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj "
    "sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz "
    "ua ug uk um us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw"
)

#: Country TLDs used world-wide as generic ones (.io, .co, .me…): they say nothing of a region.
GENERIC_TLDS: frozenset[str] = _words(
    "com net org info biz edu gov mil int io co me tv ai ly fm cc ws app dev tech online "
    "site store shop cloud eu asia global agency digital design studio media group solutions"
)

#: Generic TLDs in common use. Country codes are all known; an unknown three-letter TLD
#: is more likely a misread ".com" (".con") than a real one.
KNOWN_GTLDS: frozenset[str] = _words(
    "com net org edu gov mil int biz info name pro aero coop museum jobs travel mobi asia "
    "tel xxx app dev art bar bio cab cat ceo eco fit fun gay ink kim law llc ltd men moe "
    "mom new ngo ong one onl ooo pet pub red ren rip run sex ski soy spa srl tax top vet "
    "vin wed wik win wow xyz zip box bot car cfd day dog eat fan foo fyi gdn gle how ing "
    "kid lat lol map med mov nyc ovh pay phd pin pro rsvp sbs scot sky tech team tips "
    "today tools top town toys trade tv agency academy digital design studio media group "
    "solutions consulting company services software systems email online site store shop "
    "cloud global network partners capital ventures energy legal health care clinic "
    "dental law lawyer finance insurance realty estate homes house build builders "
    "construction engineering photography photo gallery restaurant cafe coffee bike "
    "london berlin paris tokyo nyc wien koeln hamburg madrid barcelona swiss bayern "
    "eus gal cymru quebec africa"
)

#: Country-code TLD → ISO region (``uk`` → GB); every ccTLD is a key.
TLD_REGIONS: dict[str, str] = {
    tld: ("GB" if tld == "uk" else tld.upper()) for tld in _words(_CC_TLDS) if tld != "eu"
} | {"eu": "EU"}

#: Second-level labels used under a country TLD (``co.jp``, ``com.au``), with their TLDs.
SECOND_LEVEL: dict[str, frozenset[str]] = {
    "co": _words("jp uk nz za kr in id th il ke at"),
    "ne": frozenset({"jp", "kr"}),
    "or": frozenset({"jp", "kr", "at", "id", "th"}),
    "ad": frozenset({"jp"}),
    "ac": _words("jp uk kr nz za th in id at"),
    "go": frozenset({"jp", "kr", "th", "id"}),
    "com": _words("au br mx ar cn sg tw hk my tr es co pe ph"),
    "net": _words("au br mx cn tw hk"),
    "org": _words("uk au br mx cn"),
    "gov": _words("uk au br cn"),
    "ltd": frozenset({"uk"}),
    "plc": frozenset({"uk"}),
}

#: Free mail providers: their domain says nothing about the employer or the country.
WEBMAIL_DOMAINS: frozenset[str] = _words(
    "gmail.com googlemail.com yahoo.com yahoo.co.jp yahoo.co.uk yahoo.fr yahoo.de yahoo.es "
    "hotmail.com hotmail.co.uk hotmail.fr hotmail.de hotmail.es outlook.com outlook.de "
    "outlook.fr outlook.es live.com live.de live.fr msn.com icloud.com me.com mac.com aol.com "
    "gmx.de gmx.net gmx.at gmx.ch web.de t-online.de freenet.de posteo.de mailbox.org "
    "orange.fr free.fr wanadoo.fr laposte.net sfr.fr protonmail.com proton.me pm.me "
    "mail.com yandex.com yandex.ru qq.com 163.com 126.com naver.com daum.net "
    "docomo.ne.jp ezweb.ne.jp softbank.ne.jp i.softbank.jp nifty.com telefonica.net "
    "movistar.es terra.es btinternet.com sky.com virginmedia.com comcast.net verizon.net "
    "att.net fastmail.com zoho.com email.com mail.de e-mail.de gmx.com mail.ru inbox.ru "
    "list.ru bk.ru libero.it virgilio.it tiscali.it alice.it yahoo.it hotmail.it live.it "
    "ziggo.nl kpnmail.nl planet.nl telenet.be skynet.be bluewin.ch bigpond.com "
    "optusnet.com.au yahoo.ca sympatico.ca ymail.com rocketmail.com tutanota.com"
)


#: Legal forms that belong to one country (or nearly): a weak hint of the card's region.
LEGAL_FORM_REGIONS: dict[str, str] = {
    "pty": "AU", "pty ltd": "AU", "gmbh": "DE", "gmbh co kg": "DE", "kg": "DE", "ohg": "DE",
    "ug": "DE", "ev": "DE", "sarl": "FR", "sas": "FR", "sasu": "FR", "eurl": "FR",
    "sl": "ES", "slu": "ES", "s l": "ES", "srl": "IT", "spa": "IT", "s r l": "IT",
    "s p a": "IT", "bv": "NL", "vof": "NL", "b v": "NL", "plc": "GB", "ltd": "GB",
    "llp": "GB", "llc": "US", "inc": "US", "corp": "US", "kk": "JP", "k k": "JP",
    "oy": "FI", "oyj": "FI", "ab": "SE", "aps": "DK", "pte ltd": "SG", "sdn bhd": "MY",
    "sa de cv": "MX", "ltda": "BR", "ltee": "CA",
}  # fmt: skip


#: Accent-free spelling → printed spelling, for words OCR read without their accents.
#: Bare forms that are words in another language of the list ("area", "in charge",
#: Italian "tecnica", "informatica", Dutch "departement") keep their bare spelling.
ACCENTED: dict[str, str] = {
    bare: word
    for bare, word in _BARE_TO_ACCENTED.items()
    if bare
    not in _words("area charge tecnica departement pole cho-me associe informatica logistica")
}

#: Lower-case particles inside personal names ("van der", "de la", "bin").
NAME_PARTICLES: frozenset[str] = _words(
    "van von der den de del della di da la le du dos das ten ter bin al el y zu st."
)

#: Forms of address and academic prefixes before a name.
HONORIFICS: frozenset[str] = _words(
    "dr dr. prof prof. mr mr. mrs mrs. ms ms. mme mlle herr frau sr sr. sra sra. dipl.-ing. "
    "ing. dipl. mag. m."
)

#: Degrees and suffixes after a name ("Jane Doe, MBA").
POST_NOMINALS: frozenset[str] = _words(
    "phd ph.d. mba md m.d. msc m.sc. bsc ba ma cpa esq jr jr. sr iii ii iv pe pmp cfa dipl"
)
