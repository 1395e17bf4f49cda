"""Belgian municipalities with the names they have in other languages (Gent, Gand, Ghent).

Each municipality is stored under its name in its own official language: Dutch in Flanders,
French in Wallonia, German in the German-speaking east, and Dutch for the nineteen bilingual
municipalities of Brussels (docs/decisions/0028-import-labels-and-municipalities.md). The
table holds every municipality with a name of its own in another of the country's languages
(or in English), the municipalities with language facilities, the nineteen of Brussels, the
nine German-speaking ones and the large towns; any other name is kept as it was written.

Written by hand from public knowledge, checked by tests/unit/test_places.py (every postcode
in the right region, no name given to two places). Sections of municipalities (Laken, Louvain-
la-Neuve) and foreign towns (Aken, Maastricht) are not in it. Pure data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Municipality:
    postcode: str  # its main postcode
    name: str  # the name stored, in its own official language
    names: Mapping[str, str] = field(default_factory=dict)  # language -> name, where different
    also: tuple[str, ...] = ()  # other ways people write it


def _m(postcode: str, name: str, *also: str, **names: str) -> Municipality:
    return Municipality(postcode, name, names, also)


IN_BRUSSELS = (
    _m(
        "1000",
        "Brussel",
        "Brussel-Stad",
        "Bruxelles-Ville",
        fr="Bruxelles",
        de="Brüssel",
        en="Brussels",
    ),
    _m("1070", "Anderlecht"),
    _m("1160", "Oudergem", fr="Auderghem"),
    _m("1082", "Sint-Agatha-Berchem", fr="Berchem-Sainte-Agathe"),
    _m("1040", "Etterbeek"),
    _m("1140", "Evere"),
    _m("1190", "Vorst", fr="Forest"),
    _m("1083", "Ganshoren"),
    _m("1050", "Elsene", fr="Ixelles"),
    _m("1090", "Jette"),
    _m("1081", "Koekelberg"),
    _m("1080", "Sint-Jans-Molenbeek", "Molenbeek", fr="Molenbeek-Saint-Jean"),
    _m("1060", "Sint-Gillis", fr="Saint-Gilles"),
    _m("1210", "Sint-Joost-ten-Node", "Sint-Joost", "Saint-Josse", fr="Saint-Josse-ten-Noode"),
    _m("1030", "Schaarbeek", fr="Schaerbeek"),
    _m("1180", "Ukkel", fr="Uccle"),
    _m("1170", "Watermaal-Bosvoorde", fr="Watermael-Boitsfort"),
    _m("1200", "Sint-Lambrechts-Woluwe", fr="Woluwe-Saint-Lambert"),
    _m("1150", "Sint-Pieters-Woluwe", fr="Woluwe-Saint-Pierre"),
)

IN_FLANDERS = (
    # Antwerp
    _m("2000", "Antwerpen", fr="Anvers", en="Antwerp"),
    _m("2800", "Mechelen", fr="Malines", de="Mecheln"),
    _m("2500", "Lier", fr="Lierre"),
    _m("2387", "Baarle-Hertog", fr="Baerle-Duc"),
    _m("2300", "Turnhout"),
    _m("2400", "Mol"),
    _m("2440", "Geel"),
    _m("2200", "Herentals"),
    _m("2220", "Heist-op-den-Berg"),
    _m("2930", "Brasschaat"),
    _m("2900", "Schoten"),
    _m("2640", "Mortsel"),
    # East Flanders
    _m("9000", "Gent", fr="Gand", en="Ghent"),
    _m("9300", "Aalst", fr="Alost"),
    _m("9200", "Dendermonde", fr="Termonde"),
    _m("9700", "Oudenaarde", fr="Audenarde"),
    _m("9600", "Ronse", fr="Renaix"),
    _m("9500", "Geraardsbergen", fr="Grammont"),
    _m("9140", "Temse", fr="Tamise"),
    _m("9170", "Sint-Gillis-Waas", fr="Saint-Gilles-Waes"),
    _m("9830", "Sint-Martens-Latem", fr="Laethem-Saint-Martin"),
    _m("9100", "Sint-Niklaas"),  # not "Saint-Nicolas": that is a municipality near Liège
    _m("9160", "Lokeren"),
    _m("9230", "Wetteren"),
    _m("9400", "Ninove"),
    _m("9240", "Zele"),
    _m("9220", "Hamme"),
    _m("9800", "Deinze"),
    _m("9900", "Eeklo"),
    _m("9620", "Zottegem"),
    # West Flanders
    _m("8000", "Brugge", fr="Bruges", de="Brügge", en="Bruges"),
    _m("8400", "Oostende", fr="Ostende", de="Ostende", en="Ostend"),
    _m("8500", "Kortrijk", fr="Courtrai"),
    _m("8900", "Ieper", fr="Ypres", de="Ypern", en="Ypres"),
    _m("8800", "Roeselare", fr="Roulers"),
    _m("8930", "Menen", fr="Menin"),
    _m("8940", "Wervik", fr="Wervicq"),
    _m("8970", "Poperinge", fr="Poperinghe"),
    _m("8630", "Veurne", fr="Furnes"),
    _m("8600", "Diksmuide", fr="Dixmude"),
    _m("8620", "Nieuwpoort", fr="Nieuport"),
    _m("8660", "De Panne", fr="La Panne"),
    _m("8670", "Koksijde", fr="Coxyde"),
    _m("8420", "De Haan", fr="Le Coq"),
    _m("8370", "Blankenberge", fr="Blankenberghe"),
    _m("8820", "Torhout", fr="Thourout"),
    _m("8957", "Mesen", fr="Messines"),
    _m("8587", "Spiere-Helkijn", fr="Espierres-Helchin"),
    _m("8790", "Waregem"),
    _m("8300", "Knokke-Heist"),
    _m("8530", "Harelbeke"),
    _m("8700", "Tielt"),
    _m("8870", "Izegem"),
    _m("8560", "Wevelgem"),
    _m("8430", "Middelkerke"),
    # Flemish Brabant
    _m("3000", "Leuven", fr="Louvain", de="Löwen"),
    _m("3300", "Tienen", fr="Tirlemont"),
    _m("3440", "Zoutleeuw", fr="Léau"),
    _m("1500", "Halle", fr="Hal"),
    _m("1800", "Vilvoorde", fr="Vilvorde"),
    _m("1600", "Sint-Pieters-Leeuw", fr="Leeuw-Saint-Pierre"),
    _m("1640", "Sint-Genesius-Rode", fr="Rhode-Saint-Genèse"),
    _m("3270", "Scherpenheuvel-Zichem", fr="Montaigu-Zichem"),
    _m("1547", "Bever", fr="Biévène"),
    _m("1950", "Kraainem"),
    _m("1970", "Wezembeek-Oppem"),
    _m("1630", "Linkebeek"),
    _m("1620", "Drogenbos"),
    _m("1780", "Wemmel"),
    _m("1930", "Zaventem"),
    _m("3080", "Tervuren"),
    _m("3090", "Overijse"),
    _m("1700", "Dilbeek"),
    _m("1850", "Grimbergen"),
    _m("1730", "Asse"),
    _m("1830", "Machelen"),
    _m("3200", "Aarschot"),
    _m("3290", "Diest"),
    _m("3400", "Landen"),
    # Limburg
    _m("3800", "Sint-Truiden", fr="Saint-Trond"),
    _m("3700", "Tongeren", fr="Tongres"),
    _m("3790", "Voeren", fr="Fourons"),
    _m("3717", "Herstappe"),
    _m("3500", "Hasselt"),
    _m("3600", "Genk"),
    _m("3580", "Beringen"),
    _m("3920", "Lommel"),
    _m("3630", "Maasmechelen"),
    _m("3740", "Bilzen"),
    _m("3680", "Maaseik"),
    _m("3550", "Heusden-Zolder"),
    _m("3530", "Houthalen-Helchteren"),
    _m("3620", "Lanaken"),
    _m("3900", "Pelt"),
)

IN_WALLONIA = (
    # Walloon Brabant
    _m("1300", "Wavre", nl="Waver"),
    _m("1400", "Nivelles", nl="Nijvel"),
    _m("1420", "Braine-l'Alleud", nl="Eigenbrakel"),
    _m("1370", "Jodoigne", nl="Geldenaken"),
    _m("1480", "Tubize", nl="Tubeke"),
    _m("1430", "Rebecq", nl="Roosbeek"),
    _m("1460", "Ittre", nl="Itter"),
    _m("1440", "Braine-le-Château", nl="Kasteelbrakel"),
    _m("1310", "La Hulpe", nl="Terhulpen"),
    _m("1470", "Genappe", nl="Genepiën"),
    _m("1320", "Beauvechain", nl="Bevekom"),
    _m("1390", "Grez-Doiceau", nl="Graven"),
    _m("1360", "Perwez", nl="Perwijs"),
    _m("1357", "Hélécine", nl="Heilissem"),
    _m("1410", "Waterloo"),
    _m("1330", "Rixensart"),
    _m("1340", "Ottignies-Louvain-la-Neuve"),
    _m("1380", "Lasne"),
    # Hainaut
    _m("7000", "Mons", nl="Bergen"),
    _m("7500", "Tournai", nl="Doornik"),
    _m("7700", "Mouscron", nl="Moeskroen"),
    _m("7780", "Comines-Warneton", nl="Komen-Waasten"),
    _m("7850", "Enghien", nl="Edingen"),
    _m("7880", "Flobecq", nl="Vloesberg"),
    _m("7800", "Ath", nl="Aat"),
    _m("7860", "Lessines", nl="Lessen"),
    _m("7060", "Soignies", nl="Zinnik"),
    _m("7090", "Braine-le-Comte", nl="'s-Gravenbrakel"),
    _m("7830", "Silly", nl="Opzullik"),
    _m("7890", "Ellezelles", nl="Elzele"),
    _m("6000", "Charleroi"),
    _m("7100", "La Louvière"),
    _m("7130", "Binche"),
    _m("6200", "Châtelet"),
    _m("6220", "Fleurus"),
    _m("6530", "Thuin"),
    _m("6460", "Chimay"),
    _m("7600", "Péruwelz"),
    _m("7330", "Saint-Ghislain"),
    _m("7300", "Boussu"),
    _m("6180", "Courcelles"),
    _m("7170", "Manage"),
    # Liège
    _m("4000", "Liège", nl="Luik", de="Lüttich"),
    _m("4500", "Huy", nl="Hoei"),
    _m("4300", "Waremme", nl="Borgworm"),
    _m("4280", "Hannut", nl="Hannuit"),
    _m("4600", "Visé", nl="Wezet"),
    _m("4690", "Bassenge", nl="Bitsingen"),
    _m("4970", "Stavelot", de="Stablo"),
    _m("4950", "Waimes", de="Weismes"),
    _m("4960", "Malmedy"),
    _m("4800", "Verviers"),
    _m("4100", "Seraing"),
    _m("4040", "Herstal"),
    _m("4430", "Ans"),
    _m("4420", "Saint-Nicolas"),
    _m("4400", "Flémalle"),
    _m("4900", "Spa"),
    _m("4840", "Welkenraedt"),
    # Namur
    _m("5000", "Namur", nl="Namen"),
    _m("5030", "Gembloux", nl="Gembloers"),
    _m("5500", "Dinant"),
    _m("5300", "Andenne"),
    _m("5590", "Ciney"),
    _m("5060", "Sambreville"),
    _m("5580", "Rochefort"),
    _m("5600", "Philippeville"),
    _m("5660", "Couvin"),
    # Luxembourg
    _m("6700", "Arlon", nl="Aarlen", de="Arel"),
    _m("6600", "Bastogne", nl="Bastenaken", de="Bastnach"),
    _m("6900", "Marche-en-Famenne"),
    _m("6760", "Virton"),
    _m("6790", "Aubange"),
    _m("6840", "Neufchâteau"),
    _m("6800", "Libramont-Chevigny"),
    _m("6940", "Durbuy"),
    _m("6830", "Bouillon"),
    _m("6980", "La Roche-en-Ardenne"),
)

GERMAN_SPEAKING = (
    _m("4700", "Eupen"),
    _m("4710", "Lontzen"),
    _m("4720", "Kelmis", fr="La Calamine"),
    _m("4730", "Raeren"),
    _m("4750", "Bütgenbach", fr="Butgenbach"),
    _m("4760", "Büllingen", fr="Bullange"),
    _m("4770", "Amel", fr="Amblève"),
    _m("4780", "Sankt Vith", "Sankt-Vith", "St. Vith", "Sint-Vith", fr="Saint-Vith"),
    _m("4790", "Burg-Reuland"),
)

MUNICIPALITIES: tuple[Municipality, ...] = (
    *IN_BRUSSELS,
    *IN_FLANDERS,
    *IN_WALLONIA,
    *GERMAN_SPEAKING,
)
