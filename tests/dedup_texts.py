"""Texts of the generated dedup corpus (tests/dedup_corpus.py): templates with their slot
fillings, live pages, wire stories for edited copies. All written for these tests;
places, companies and people are invented or used generically.
"""

from __future__ import annotations

# -- templated briefs: (family, language, title, paragraphs, fills) ------------------------
# Every filling is a story of its own; the boilerplate paragraphs are what agencies
# repeat, so two briefs of one family reach a high similarity and only the slots differ.

TEMPLATES: list[tuple[str, str, str, list[str], list[dict[str, str]]]] = [
    (
        "markets-en",
        "en",
        "{co} shares {dir} {pct}% after quarterly results",
        [
            "Shares in {co} {verb} {pct}% to {price} dollars in early trading on {day} after "
            "the company reported {q} quarter results that {beat} analysts' forecasts.",
            "Revenue came in at {rev} billion dollars, against a consensus estimate of {est} "
            "billion, and the company {guid} its guidance for the full year.",
            "The stock has {ytd} {ytdpct}% since the start of the year. This brief was "
            "generated from company filings and exchange data and may be updated as more "
            "information becomes available. It is not investment advice.",
        ],
        [
            dict(
                co="Acme Corp",
                dir="rise",
                verb="rose",
                pct="3.1",
                price="48.20",
                day="Tuesday",
                q="first",
                beat="beat",
                rev="4.2",
                est="4.0",
                guid="raised",
                ytd="gained",
                ytdpct="12",
            ),  # noqa: E501
            dict(
                co="Globex Inc",
                dir="fall",
                verb="fell",
                pct="2.4",
                price="17.85",
                day="Tuesday",
                q="first",
                beat="missed",
                rev="1.9",
                est="2.1",
                guid="cut",
                ytd="lost",
                ytdpct="8",
            ),  # noqa: E501
            dict(
                co="Initech",
                dir="rise",
                verb="rose",
                pct="5.7",
                price="102.10",
                day="Wednesday",
                q="second",
                beat="beat",
                rev="9.8",
                est="9.1",
                guid="raised",
                ytd="gained",
                ytdpct="21",
            ),  # noqa: E501
            dict(
                co="Umbrella Systems",
                dir="fall",
                verb="fell",
                pct="0.9",
                price="33.40",
                day="Wednesday",
                q="second",
                beat="missed",
                rev="2.6",
                est="2.7",
                guid="kept",
                ytd="lost",
                ytdpct="3",
            ),  # noqa: E501
            dict(
                co="Stark Logistics",
                dir="rise",
                verb="rose",
                pct="3.1",
                price="61.05",
                day="Thursday",
                q="first",
                beat="beat",
                rev="3.3",
                est="3.2",
                guid="kept",
                ytd="gained",
                ytdpct="12",
            ),  # noqa: E501
            dict(
                co="Wayne Foods",
                dir="rise",
                verb="rose",
                pct="1.2",
                price="48.20",
                day="Tuesday",
                q="first",
                beat="beat",
                rev="4.2",
                est="4.0",
                guid="raised",
                ytd="gained",
                ytdpct="12",
            ),  # noqa: E501
            dict(
                co="Acme Corp",
                dir="fall",
                verb="fell",
                pct="4.4",
                price="44.90",
                day="Monday",
                q="third",
                beat="missed",
                rev="3.9",
                est="4.3",
                guid="cut",
                ytd="lost",
                ytdpct="2",
            ),  # noqa: E501
            dict(
                co="Hooli",
                dir="rise",
                verb="rose",
                pct="7.3",
                price="250.00",
                day="Friday",
                q="fourth",
                beat="beat",
                rev="18.4",
                est="17.0",
                guid="raised",
                ytd="gained",
                ytdpct="35",
            ),  # noqa: E501
        ],
    ),
    (
        "borsa-it",
        "it",
        "Piazza Affari, {co} {dir} del {pct}% dopo i conti",
        [
            "MILANO - Seduta {tono} per {co} a Piazza Affari: il titolo ha chiuso in {dir} "
            "del {pct}% a {price} euro, dopo la pubblicazione dei conti del {periodo}.",
            "Il gruppo ha registrato ricavi per {rev} milioni di euro e un utile netto di "
            "{utile} milioni, mentre l'indebitamento è sceso a {debito} milioni.",
            "Nella stessa seduta il Ftse Mib ha chiuso in {indice}. La nota è redatta sulla "
            "base dei comunicati ufficiali della società e dei dati di Borsa Italiana e "
            "potrà essere aggiornata nel corso della giornata.",
        ],
        [
            dict(
                tono="positiva",
                co="Lanterna Energia",
                dir="rialzo",
                pct="2,8",
                price="12,40",
                periodo="primo trimestre",
                rev="812",
                utile="64",
                debito="1.120",
                indice="rialzo dello 0,4%",
            ),  # noqa: E501
            dict(
                tono="negativa",
                co="Ferrovie del Tirreno",
                dir="ribasso",
                pct="3,5",
                price="4,18",
                periodo="primo trimestre",
                rev="233",
                utile="9",
                debito="410",
                indice="rialzo dello 0,4%",
            ),  # noqa: E501
            dict(
                tono="positiva",
                co="Banca Appenninica",
                dir="rialzo",
                pct="1,9",
                price="7,66",
                periodo="primo semestre",
                rev="1.540",
                utile="301",
                debito="2.050",
                indice="calo dello 0,2%",
            ),  # noqa: E501
            dict(
                tono="negativa",
                co="Cantieri Adriatici",
                dir="ribasso",
                pct="0,7",
                price="21,02",
                periodo="primo semestre",
                rev="975",
                utile="48",
                debito="660",
                indice="calo dello 0,2%",
            ),  # noqa: E501
            dict(
                tono="positiva",
                co="Lanterna Energia",
                dir="rialzo",
                pct="4,1",
                price="13,05",
                periodo="terzo trimestre",
                rev="845",
                utile="70",
                debito="1.090",
                indice="rialzo dell'1,1%",
            ),  # noqa: E501
            dict(
                tono="positiva",
                co="Tessile Biellese",
                dir="rialzo",
                pct="2,8",
                price="12,40",
                periodo="primo trimestre",
                rev="812",
                utile="64",
                debito="1.120",
                indice="rialzo dello 0,4%",
            ),  # noqa: E501
        ],
    ),
    (
        "boerse-de",
        "de",
        "{co}-Aktie {dir} nach Quartalszahlen um {pct} Prozent",
        [
            "FRANKFURT - Die Aktie von {co} ist am {tag} nach der Vorlage der Zahlen für das "
            "{quartal} Quartal um {pct} Prozent auf {kurs} Euro {verb}.",
            "Der Umsatz lag bei {umsatz} Millionen Euro, das bereinigte Ergebnis bei {ebit} "
            "Millionen Euro. Analysten hatten im Schnitt mit {erwartung} Millionen Euro "
            "gerechnet.",
            "Diese Meldung wurde auf Grundlage von Unternehmensangaben und Börsendaten "
            "erstellt und wird bei Bedarf aktualisiert. Sie stellt keine Anlageberatung dar.",
        ],
        [
            dict(
                co="Nordlicht",
                dir="steigt",
                tag="Dienstag",
                quartal="erste",
                pct="4,2",
                kurs="38,10",
                verb="gestiegen",
                umsatz="910",
                ebit="88",
                erwartung="80",
            ),  # noqa: E501
            dict(
                co="Rheinwerk",
                dir="fällt",
                tag="Dienstag",
                quartal="erste",
                pct="6,1",
                kurs="12,75",
                verb="gefallen",
                umsatz="412",
                ebit="21",
                erwartung="30",
            ),  # noqa: E501
            dict(
                co="Alpenbahn",
                dir="steigt",
                tag="Mittwoch",
                quartal="zweite",
                pct="1,3",
                kurs="55,00",
                verb="gestiegen",
                umsatz="1.230",
                ebit="140",
                erwartung="137",
            ),  # noqa: E501
            dict(
                co="Hansa Chemie",
                dir="fällt",
                tag="Donnerstag",
                quartal="dritte",
                pct="2,9",
                kurs="71,40",
                verb="gefallen",
                umsatz="2.015",
                ebit="190",
                erwartung="205",
            ),  # noqa: E501
            dict(
                co="Nordlicht",
                dir="fällt",
                tag="Freitag",
                quartal="dritte",
                pct="0,8",
                kurs="37,20",
                verb="gefallen",
                umsatz="930",
                ebit="85",
                erwartung="87",
            ),  # noqa: E501
            dict(
                co="Spreewerk",
                dir="steigt",
                tag="Dienstag",
                quartal="erste",
                pct="4,2",
                kurs="38,10",
                verb="gestiegen",
                umsatz="910",
                ebit="88",
                erwartung="80",
            ),  # noqa: E501
        ],
    ),
    (
        "football-en",
        "en",
        "{home} {hg}-{ag} {away}: match report",
        [
            "{home} beat {away} {hg}-{ag} at {ground} on {day}, with {scorer} scoring "
            "{twice} to move the side to {pts} points in the table.",
            "The visitors pulled one back through {other} in the {minute}th minute, but "
            "could not find an equaliser despite pressing until the final whistle.",
            "The result leaves {away} in {pos} place. Match reports are compiled from "
            "official league data and updated after the final whistle; attendance figures "
            "are provided by the home club.",
        ],
        [
            dict(
                home="Northfield Rovers",
                away="Eastport United",
                hg="2",
                ag="1",
                ground="Mill Lane",
                day="Saturday",
                scorer="Daniel Okafor",
                twice="twice",
                pts="31",
                other="Sam Reyes",
                minute="67",
                pos="fourth",
            ),  # noqa: E501
            dict(
                home="Westbury Town",
                away="Southgate Athletic",
                hg="3",
                ag="1",
                ground="the Riverside",
                day="Saturday",
                scorer="Liam Carter",
                twice="twice",
                pts="28",
                other="Ivo Markovic",
                minute="54",
                pos="ninth",
            ),  # noqa: E501
            dict(
                home="Northfield Rovers",
                away="Eastport United",
                hg="1",
                ag="2",
                ground="Mill Lane",
                day="Saturday",
                scorer="Daniel Okafor",
                twice="once",
                pts="31",
                other="Sam Reyes",
                minute="67",
                pos="fourth",
            ),  # noqa: E501
            dict(
                home="Kingsbridge City",
                away="Northfield Rovers",
                hg="4",
                ag="2",
                ground="Kings Park",
                day="Sunday",
                scorer="Marco Bell",
                twice="twice",
                pts="40",
                other="Daniel Okafor",
                minute="81",
                pos="second",
            ),  # noqa: E501
            dict(
                home="Eastport United",
                away="Westbury Town",
                hg="2",
                ag="1",
                ground="Harbour Road",
                day="Tuesday",
                scorer="Sam Reyes",
                twice="twice",
                pts="33",
                other="Liam Carter",
                minute="12",
                pos="sixth",
            ),  # noqa: E501
            dict(
                home="Southgate Athletic",
                away="Kingsbridge City",
                hg="2",
                ag="1",
                ground="Southgate Park",
                day="Saturday",
                scorer="Ivo Markovic",
                twice="twice",
                pts="25",
                other="Marco Bell",
                minute="67",
                pos="third",
            ),  # noqa: E501
            dict(
                home="Northfield Rovers",
                away="Westbury Town",
                hg="2",
                ag="1",
                ground="Mill Lane",
                day="Saturday",
                scorer="Daniel Okafor",
                twice="twice",
                pts="34",
                other="Liam Carter",
                minute="67",
                pos="fourth",
            ),  # noqa: E501
        ],
    ),
    (
        "calcio-it",
        "it",
        "{casa}-{ospiti} {gc}-{go}, la cronaca",
        [
            "Il {casa} ha battuto l'{ospiti} per {gc} a {go} allo stadio {stadio} nella "
            "{giornata}ª giornata di campionato, grazie alla doppietta di {bomber}.",
            "Per gli ospiti è andato a segno {altro} al {minuto}' del secondo tempo, ma la "
            "rimonta non è arrivata nonostante l'assedio finale.",
            "Con questo risultato il {casa} sale a {punti} punti in classifica. La cronaca è "
            "redatta sulla base dei dati ufficiali della Lega e aggiornata al fischio "
            "finale.",
        ],
        [
            dict(
                casa="Pontedera",
                ospiti="Arezzo",
                gc="2",
                go="1",
                stadio="Mannucci",
                giornata="12",
                bomber="Luca Ferri",
                altro="Marco Neri",
                minuto="23",
                punti="24",
            ),  # noqa: E501
            dict(
                casa="Livorno",
                ospiti="Empoli",
                gc="3",
                go="1",
                stadio="Picchi",
                giornata="12",
                bomber="Andrea Sala",
                altro="Paolo Greco",
                minuto="40",
                punti="27",
            ),  # noqa: E501
            dict(
                casa="Pontedera",
                ospiti="Arezzo",
                gc="2",
                go="1",
                stadio="Mannucci",
                giornata="25",
                bomber="Luca Ferri",
                altro="Marco Neri",
                minuto="23",
                punti="45",
            ),  # noqa: E501
            dict(
                casa="Grosseto",
                ospiti="Ancona",
                gc="2",
                go="0",
                stadio="Zecchini",
                giornata="13",
                bomber="Ivan Russo",
                altro="nessuno",
                minuto="0",
                punti="19",
            ),  # noqa: E501
            dict(
                casa="Pisa",
                ospiti="Udinese",
                gc="4",
                go="2",
                stadio="Arena Garibaldi",
                giornata="13",
                bomber="Enzo Marini",
                altro="Dario Conti",
                minuto="77",
                punti="30",
            ),  # noqa: E501
            dict(
                casa="Carrara",
                ospiti="Arezzo",
                gc="2",
                go="1",
                stadio="dei Marmi",
                giornata="12",
                bomber="Luca Ferri",
                altro="Marco Neri",
                minuto="23",
                punti="24",
            ),  # noqa: E501
        ],
    ),
    (
        "futbol-es",
        "es",
        "El {local} gana {gl}-{gv} al {visitante}",
        [
            "El {local} se impuso por {gl}-{gv} al {visitante} en el estadio {estadio} en la "
            "jornada {jornada} de liga, con un doblete de {goleador}.",
            "El tanto del {visitante} llegó en el minuto {minuto} por medio de {otro}, que no "
            "bastó para evitar la derrota de su equipo.",
            "Con esta victoria el {local} suma {puntos} puntos. Esta crónica se elabora con "
            "los datos oficiales de la liga y se actualiza al final del partido.",
        ],
        [
            dict(
                local="Atlético Ribera",
                visitante="Real Montaña",
                gl="2",
                gv="1",
                estadio="La Vega",
                jornada="9",
                goleador="Pablo Ortega",
                minuto="58",
                otro="Iker Sanz",
                puntos="19",
            ),  # noqa: E501
            dict(
                local="Deportivo Costa",
                visitante="Unión Sierra",
                gl="3",
                gv="1",
                estadio="El Faro",
                jornada="9",
                goleador="Hugo Blanco",
                minuto="30",
                otro="Raúl Vidal",
                puntos="17",
            ),  # noqa: E501
            dict(
                local="Atlético Ribera",
                visitante="Unión Sierra",
                gl="2",
                gv="1",
                estadio="La Vega",
                jornada="10",
                goleador="Pablo Ortega",
                minuto="58",
                otro="Raúl Vidal",
                puntos="22",
            ),  # noqa: E501
            dict(
                local="Real Montaña",
                visitante="Deportivo Costa",
                gl="1",
                gv="0",
                estadio="Los Picos",
                jornada="10",
                goleador="Iker Sanz",
                minuto="88",
                otro="nadie",
                puntos="15",
            ),  # noqa: E501
            dict(
                local="Club Llanura",
                visitante="Real Montaña",
                gl="2",
                gv="1",
                estadio="La Vega",
                jornada="9",
                goleador="Pablo Ortega",
                minuto="58",
                otro="Iker Sanz",
                puntos="19",
            ),  # noqa: E501
        ],
    ),
    (
        "weather-en",
        "en",
        "Weather for {region}: {sky} on {day}",
        [
            "{region} can expect {sky} skies on {day}, with highs of {hi}C and lows of {lo}C. "
            "Winds will be {wind} at around {kmh} km/h.",
            "The chance of rain is {rain} percent in the afternoon, rising to {rain2} percent "
            "overnight, according to the national weather service.",
            "This forecast is produced automatically from the national weather service's "
            "model data and is updated four times a day. Check local warnings before "
            "travelling and allow extra time on exposed roads.",
        ],
        [
            dict(
                region="Northshire",
                sky="cloudy",
                day="Monday",
                hi="14",
                lo="6",
                wind="westerly",
                kmh="30",
                rain="40",
                rain2="60",
            ),  # noqa: E501
            dict(
                region="Eastmoor",
                sky="cloudy",
                day="Monday",
                hi="12",
                lo="4",
                wind="westerly",
                kmh="35",
                rain="40",
                rain2="70",
            ),  # noqa: E501
            dict(
                region="Northshire",
                sky="cloudy",
                day="Tuesday",
                hi="14",
                lo="6",
                wind="westerly",
                kmh="30",
                rain="40",
                rain2="60",
            ),  # noqa: E501
            dict(
                region="Southvale",
                sky="sunny",
                day="Monday",
                hi="19",
                lo="9",
                wind="light",
                kmh="10",
                rain="5",
                rain2="10",
            ),  # noqa: E501
            dict(
                region="Northshire",
                sky="sunny",
                day="Wednesday",
                hi="17",
                lo="7",
                wind="light",
                kmh="15",
                rain="10",
                rain2="20",
            ),  # noqa: E501
            dict(
                region="Westfield",
                sky="cloudy",
                day="Monday",
                hi="14",
                lo="6",
                wind="westerly",
                kmh="30",
                rain="40",
                rain2="60",
            ),  # noqa: E501
            dict(
                region="Eastmoor",
                sky="stormy",
                day="Thursday",
                hi="11",
                lo="5",
                wind="gale-force",
                kmh="80",
                rain="90",
                rain2="95",
            ),  # noqa: E501
        ],
    ),
    (
        "meteo-fr",
        "fr",
        "Météo en {region} : {ciel} ce {jour}",
        [
            "En {region}, le temps sera {ciel} ce {jour}, avec des températures comprises "
            "entre {min} et {max} degrés. Le vent soufflera à {vent} km/h.",
            "Le risque de pluie atteint {pluie} % dans l'après-midi selon Météo Nationale, "
            "qui a placé {vigilance} départements en vigilance jaune.",
            "Ce bulletin est établi automatiquement à partir des modèles de prévision et mis "
            "à jour quatre fois par jour. Consultez les alertes locales avant tout "
            "déplacement.",
        ],
        [
            dict(
                region="Bretagne",
                ciel="nuageux",
                jour="lundi",
                min="7",
                max="13",
                vent="40",
                pluie="60",
                vigilance="2",
            ),  # noqa: E501
            dict(
                region="Normandie",
                ciel="nuageux",
                jour="lundi",
                min="6",
                max="12",
                vent="45",
                pluie="70",
                vigilance="3",
            ),  # noqa: E501
            dict(
                region="Bretagne",
                ciel="nuageux",
                jour="mardi",
                min="7",
                max="13",
                vent="40",
                pluie="60",
                vigilance="2",
            ),  # noqa: E501
            dict(
                region="Provence",
                ciel="ensoleillé",
                jour="lundi",
                min="12",
                max="22",
                vent="20",
                pluie="5",
                vigilance="0",
            ),  # noqa: E501
            dict(
                region="Alsace",
                ciel="pluvieux",
                jour="jeudi",
                min="3",
                max="8",
                vent="25",
                pluie="90",
                vigilance="4",
            ),  # noqa: E501
            dict(
                region="Auvergne",
                ciel="nuageux",
                jour="lundi",
                min="7",
                max="13",
                vent="40",
                pluie="60",
                vigilance="2",
            ),  # noqa: E501
        ],
    ),
    (
        "traffico-it",
        "it",
        "Traffico, {strada} chiusa tra {da} e {a}",
        [
            "{strada} è chiusa in direzione {verso} tra {da} e {a} per un incidente avvenuto "
            "alle {ora} al chilometro {km}, che ha coinvolto {veicoli} veicoli.",
            "Si registrano {coda} chilometri di coda. Il traffico viene deviato sulla "
            "viabilità ordinaria con uscita obbligatoria a {da}.",
            "Le informazioni sono fornite dal centro di controllo della viabilità e vengono "
            "aggiornate in tempo reale. Prima di mettersi in viaggio si consiglia di "
            "consultare i pannelli a messaggio variabile.",
        ],
        [
            dict(
                strada="La A12",
                verso="Genova",
                da="Sestri Levante",
                a="Lavagna",
                ora="8.15",
                km="43",
                veicoli="tre",
                coda="5",
            ),  # noqa: E501
            dict(
                strada="La A10",
                verso="Ventimiglia",
                da="Arenzano",
                a="Varazze",
                ora="9.40",
                km="12",
                veicoli="due",
                coda="3",
            ),  # noqa: E501
            dict(
                strada="La A12",
                verso="Genova",
                da="Sestri Levante",
                a="Lavagna",
                ora="17.50",
                km="47",
                veicoli="quattro",
                coda="7",
            ),  # noqa: E501
            dict(
                strada="La A7",
                verso="Milano",
                da="Busalla",
                a="Ronco Scrivia",
                ora="8.15",
                km="43",
                veicoli="tre",
                coda="5",
            ),  # noqa: E501
            dict(
                strada="La A26",
                verso="Gravellona",
                da="Masone",
                a="Ovada",
                ora="6.05",
                km="21",
                veicoli="un mezzo pesante e due",
                coda="9",
            ),  # noqa: E501
            dict(
                strada="La A12",
                verso="Livorno",
                da="Rapallo",
                a="Chiavari",
                ora="8.15",
                km="43",
                veicoli="tre",
                coda="5",
            ),  # noqa: E501
        ],
    ),
    (
        "traffic-en",
        "en",
        "{road} closed between {from_} and {to} after crash",
        [
            "The {road} {dir_} is closed between {from_} and {to} after a crash involving "
            "{vehicles} vehicles at about {time}, near junction {junction}.",
            "Queues of {queue} miles have built up and drivers are being diverted via the "
            "{diversion}. Recovery work is expected to take {hours} hours.",
            "Travel updates are compiled from the national highways agency and police "
            "feeds and refreshed every few minutes. Drivers are advised to allow extra "
            "time and check before setting off.",
        ],
        [
            dict(
                road="M62",
                dir_="eastbound",
                from_="Milnrow",
                to="Ainley Top",
                vehicles="three",
                time="7.40am",
                junction="22",
                queue="4",
                diversion="A640",
                hours="two",
            ),  # noqa: E501
            dict(
                road="M6",
                dir_="southbound",
                from_="Tebay",
                to="Kendal",
                vehicles="two",
                time="8.10am",
                junction="38",
                queue="6",
                diversion="A685",
                hours="three",
            ),  # noqa: E501
            dict(
                road="M62",
                dir_="westbound",
                from_="Ainley Top",
                to="Milnrow",
                vehicles="three",
                time="5.20pm",
                junction="23",
                queue="3",
                diversion="A640",
                hours="two",
            ),  # noqa: E501
            dict(
                road="A1",
                dir_="northbound",
                from_="Wetherby",
                to="Dishforth",
                vehicles="four",
                time="7.40am",
                junction="46",
                queue="5",
                diversion="A168",
                hours="four",
            ),  # noqa: E501
            dict(
                road="M25",
                dir_="clockwise",
                from_="Potters Bar",
                to="South Mimms",
                vehicles="three",
                time="7.40am",
                junction="24",
                queue="4",
                diversion="A1081",
                hours="two",
            ),  # noqa: E501
        ],
    ),
    (
        "lottery-en",
        "en",
        "Lotto results for {day} {date}",
        [
            "The winning numbers in {day}'s Lotto draw were {n1}, {n2}, {n3}, {n4}, {n5} and "
            "{n6}, with the bonus ball {bonus}.",
            "The jackpot of {jackpot} million pounds was {won}. {winners} tickets matched "
            "five numbers plus the bonus ball and win {second} pounds each.",
            "Results are provided by the lottery operator and should be checked against the "
            "official website. Players have 180 days from the date of the draw to claim "
            "their prize.",
        ],
        [
            dict(
                day="Saturday",
                date="9 November",
                n1="4",
                n2="11",
                n3="19",
                n4="27",
                n5="38",
                n6="52",
                bonus="33",
                jackpot="7.2",
                won="not won",
                winners="Two",
                second="51,400",
            ),  # noqa: E501
            dict(
                day="Wednesday",
                date="13 November",
                n1="2",
                n2="15",
                n3="19",
                n4="31",
                n5="40",
                n6="57",
                bonus="8",
                jackpot="8.1",
                won="not won",
                winners="Three",
                second="38,900",
            ),  # noqa: E501
            dict(
                day="Saturday",
                date="16 November",
                n1="4",
                n2="11",
                n3="22",
                n4="27",
                n5="38",
                n6="52",
                bonus="33",
                jackpot="9.0",
                won="won by one ticket",
                winners="Two",
                second="51,400",
            ),  # noqa: E501
            dict(
                day="Wednesday",
                date="20 November",
                n1="7",
                n2="9",
                n3="23",
                n4="34",
                n5="45",
                n6="48",
                bonus="12",
                jackpot="2.0",
                won="not won",
                winners="Four",
                second="27,300",
            ),  # noqa: E501
            dict(
                day="Saturday",
                date="23 November",
                n1="1",
                n2="6",
                n3="17",
                n4="29",
                n5="44",
                n6="58",
                bonus="21",
                jackpot="2.9",
                won="not won",
                winners="One",
                second="102,750",
            ),  # noqa: E501
            dict(
                day="Saturday",
                date="30 November",
                n1="4",
                n2="11",
                n3="19",
                n4="27",
                n5="38",
                n6="52",
                bonus="35",
                jackpot="7.2",
                won="not won",
                winners="Two",
                second="51,400",
            ),  # noqa: E501
        ],
    ),
    (
        "loteria-es",
        "es",
        "Resultados de la Primitiva del {dia} {fecha}",
        [
            "La combinación ganadora del sorteo de la Primitiva del {dia} {fecha} está "
            "formada por los números {n1}, {n2}, {n3}, {n4}, {n5} y {n6}, con el "
            "complementario {comp} y el reintegro {re}.",
            "El bote de {bote} millones de euros {premio}. En la segunda categoría hay "
            "{acertantes} acertantes, que cobrarán {segundo} euros cada uno.",
            "Los resultados proceden de la sociedad organizadora y deben comprobarse en la "
            "lista oficial. El plazo para cobrar los premios es de tres meses desde el día "
            "siguiente a la celebración del sorteo.",
        ],
        [
            dict(
                dia="jueves",
                fecha="14 de noviembre",
                n1="3",
                n2="12",
                n3="25",
                n4="33",
                n5="41",
                n6="47",
                comp="9",
                re="4",
                bote="12",
                premio="no tiene acertantes",
                acertantes="dos",
                segundo="84.312",
            ),  # noqa: E501
            dict(
                dia="sábado",
                fecha="16 de noviembre",
                n1="5",
                n2="12",
                n3="20",
                n4="33",
                n5="39",
                n6="48",
                comp="1",
                re="7",
                bote="13",
                premio="no tiene acertantes",
                acertantes="tres",
                segundo="61.200",
            ),  # noqa: E501
            dict(
                dia="jueves",
                fecha="21 de noviembre",
                n1="3",
                n2="12",
                n3="25",
                n4="33",
                n5="41",
                n6="49",
                comp="9",
                re="4",
                bote="14",
                premio="no tiene acertantes",
                acertantes="dos",
                segundo="84.312",
            ),  # noqa: E501
            dict(
                dia="sábado",
                fecha="23 de noviembre",
                n1="2",
                n2="8",
                n3="19",
                n4="28",
                n5="36",
                n6="44",
                comp="30",
                re="0",
                bote="15",
                premio="se lo lleva un único boleto",
                acertantes="uno",
                segundo="140.000",
            ),  # noqa: E501
            dict(
                dia="jueves",
                fecha="28 de noviembre",
                n1="6",
                n2="14",
                n3="22",
                n4="31",
                n5="43",
                n6="46",
                comp="18",
                re="2",
                bote="3",
                premio="no tiene acertantes",
                acertantes="cuatro",
                segundo="40.150",
            ),  # noqa: E501
        ],
    ),
    (
        "obituary-en",
        "en",
        "{name}, {age}, of {town}",
        [
            "{name}, {age}, of {town}, died peacefully on {day} at {place} surrounded by "
            "{family}. {pronoun} was born in {born} and worked for {years} years as a {job}.",
            "{pronoun} is survived by {survivors}. A funeral service will be held at "
            "{church} on {funeral} at {hour}.",
            "In lieu of flowers, the family asks that donations be made to the local "
            "hospice. Notices are published as supplied by the family and the funeral "
            "director; condolences may be left on the online guest book.",
        ],
        [
            dict(
                name="Margaret Ellis",
                age="84",
                town="Ashford",
                day="Tuesday",
                place="home",
                family="her family",
                pronoun="She",
                born="Dover",
                years="35",
                job="teacher",
                survivors="her two sons, Peter and Mark, and five grandchildren",
                church="St Mary's Church",
                funeral="Monday",
                hour="11am",
            ),  # noqa: E501
            dict(
                name="Robert Hale",
                age="79",
                town="Ashford",
                day="Tuesday",
                place="home",
                family="his family",
                pronoun="He",
                born="Canterbury",
                years="40",
                job="postman",
                survivors="his wife, Joan, and three daughters",
                church="St Mary's Church",
                funeral="Monday",
                hour="2pm",
            ),  # noqa: E501
            dict(
                name="Margaret Ellis",
                age="91",
                town="Deal",
                day="Friday",
                place="the Oaks care home",
                family="her family",
                pronoun="She",
                born="Deal",
                years="30",
                job="nurse",
                survivors="her daughter, Anne, and two grandchildren",
                church="St Leonard's Church",
                funeral="Thursday",
                hour="10am",
            ),  # noqa: E501
            dict(
                name="Thomas Wright",
                age="84",
                town="Folkestone",
                day="Tuesday",
                place="home",
                family="his family",
                pronoun="He",
                born="Dover",
                years="35",
                job="teacher",
                survivors="his two sons, Peter and Mark, and five grandchildren",
                church="Holy Trinity Church",
                funeral="Monday",
                hour="11am",
            ),  # noqa: E501
            dict(
                name="Evelyn Brooks",
                age="88",
                town="Hythe",
                day="Sunday",
                place="the William Harvey Hospital",
                family="her family",
                pronoun="She",
                born="Hythe",
                years="25",
                job="shopkeeper",
                survivors="her son, David",
                church="St Leonard's Church",
                funeral="Friday",
                hour="1pm",
            ),  # noqa: E501
            dict(
                name="Joan Fletcher",
                age="84",
                town="Ashford",
                day="Tuesday",
                place="home",
                family="her family",
                pronoun="She",
                born="Dover",
                years="35",
                job="teacher",
                survivors="her two sons, Peter and Mark, and five grandchildren",
                church="St Mary's Church",
                funeral="Monday",
                hour="11am",
            ),  # noqa: E501
        ],
    ),
    (
        "nachruf-de",
        "de",
        "Traueranzeige: {name} ({alter})",
        [
            "Wir trauern um {name}, der am {datum} im Alter von {alter} Jahren in {ort} "
            "verstorben ist. Er arbeitete {jahre} Jahre lang als {beruf} in {firma}.",
            "Er hinterlässt {hinterbliebene}. Die Trauerfeier findet am {feier} um {uhr} Uhr "
            "in der {kirche} statt.",
            "Anstelle von Blumen bittet die Familie um eine Spende an den örtlichen "
            "Hospizverein. Die Anzeigen werden so veröffentlicht, wie sie von den "
            "Angehörigen übermittelt wurden.",
        ],
        [
            dict(
                name="Heinrich Vogel",
                datum="12. November",
                alter="86",
                ort="Lindau",
                jahre="40",
                beruf="Schreiner",
                firma="Wangen",
                hinterbliebene="seine Frau Erika und zwei Töchter",
                feier="Freitag, 15. November",
                uhr="14",
                kirche="St.-Martins-Kirche",
            ),  # noqa: E501
            dict(
                name="Karl Brenner",
                datum="12. November",
                alter="78",
                ort="Lindau",
                jahre="35",
                beruf="Lehrer",
                firma="Kempten",
                hinterbliebene="seine Frau Anna und einen Sohn",
                feier="Freitag, 15. November",
                uhr="11",
                kirche="St.-Martins-Kirche",
            ),  # noqa: E501
            dict(
                name="Heinrich Vogel",
                datum="3. Dezember",
                alter="91",
                ort="Bregenz",
                jahre="30",
                beruf="Bäcker",
                firma="Dornbirn",
                hinterbliebene="drei Enkel",
                feier="Montag, 9. Dezember",
                uhr="10",
                kirche="Herz-Jesu-Kirche",
            ),  # noqa: E501
            dict(
                name="Otto Keller",
                datum="12. November",
                alter="86",
                ort="Wangen",
                jahre="40",
                beruf="Schreiner",
                firma="Wangen",
                hinterbliebene="seine Frau Erika und zwei Töchter",
                feier="Freitag, 15. November",
                uhr="14",
                kirche="Stadtpfarrkirche",
            ),  # noqa: E501
            dict(
                name="Fritz Ammann",
                datum="20. November",
                alter="83",
                ort="Isny",
                jahre="45",
                beruf="Landwirt",
                firma="Isny",
                hinterbliebene="seine Kinder Paul und Maria",
                feier="Samstag, 23. November",
                uhr="13",
                kirche="Nikolaikirche",
            ),  # noqa: E501
        ],
    ),
]

TEMPLATES += [
    (
        "quake-en",
        "en",
        "Magnitude {mag} earthquake strikes near {place}",
        [
            "An earthquake of magnitude {mag} struck near {place} at {time} local time on "
            "{day}, the geological survey said. The quake was centred {km} km {dirn} of the "
            "town at a depth of {depth} km.",
            "There were no immediate reports of damage or casualties. Residents in {felt} "
            "reported feeling the tremor for several seconds.",
            "This report was generated automatically from the geological survey's "
            "preliminary data; magnitudes and locations are often revised in the hours "
            "after an earthquake.",
        ],
        [
            dict(
                mag="5.2",
                place="Kelvara",
                time="03:14",
                day="Monday",
                km="12",
                dirn="north",
                depth="10",
                felt="Kelvara and Dunmore",
            ),  # noqa: E501
            dict(
                mag="4.8",
                place="Kelvara",
                time="03:14",
                day="Monday",
                km="12",
                dirn="north",
                depth="10",
                felt="Kelvara and Dunmore",
            ),  # noqa: E501
            dict(
                mag="5.2",
                place="Ostrava Bay",
                time="11:40",
                day="Monday",
                km="30",
                dirn="east",
                depth="35",
                felt="Port Lenn",
            ),  # noqa: E501
            dict(
                mag="6.1",
                place="Sarno Ridge",
                time="22:05",
                day="Tuesday",
                km="8",
                dirn="south",
                depth="15",
                felt="Sarno and Vico",
            ),  # noqa: E501
            dict(
                mag="5.2",
                place="Kelvara",
                time="19:50",
                day="Thursday",
                km="12",
                dirn="north",
                depth="10",
                felt="Kelvara and Dunmore",
            ),  # noqa: E501
            dict(
                mag="4.5",
                place="Mount Tarrow",
                time="07:30",
                day="Friday",
                km="5",
                dirn="west",
                depth="6",
                felt="Tarrow village",
            ),  # noqa: E501
            dict(
                mag="5.9",
                place="Dunmore",
                time="03:14",
                day="Monday",
                km="12",
                dirn="north",
                depth="10",
                felt="Kelvara and Dunmore",
            ),  # noqa: E501
            dict(
                mag="5.0",
                place="Lake Ferris",
                time="14:22",
                day="Sunday",
                km="20",
                dirn="south",
                depth="12",
                felt="Ferris and Holt",
            ),  # noqa: E501
            dict(
                mag="5.2",
                place="Kelvara",
                time="03:14",
                day="Monday",
                km="40",
                dirn="north",
                depth="10",
                felt="Kelvara and Dunmore",
            ),  # noqa: E501
            dict(
                mag="3.9",
                place="Port Lenn",
                time="16:45",
                day="Wednesday",
                km="3",
                dirn="east",
                depth="4",
                felt="Port Lenn",
            ),  # noqa: E501
        ],
    ),
    (
        "cambi-it",
        "it",
        "Cambi, l'euro a {usd} dollari",
        [
            "L'euro ha chiuso la seduta di {giorno} a {usd} dollari, in {dir} rispetto ai "
            "{prima} della vigilia, mentre sullo yen è scambiato a {yen} e sulla sterlina a "
            "{gbp}.",
            "La Banca centrale europea ha fissato il cambio di riferimento a {bce}. Il "
            "petrolio Brent si è attestato a {brent} dollari al barile.",
            "La nota è redatta sulla base dei dati diffusi dalle banche centrali e dalle "
            "principali piattaforme di scambio e può essere aggiornata nel corso della "
            "giornata.",
        ],
        [
            dict(
                giorno="lunedì",
                usd="1,0842",
                dir="rialzo",
                prima="1,0810",
                yen="162,3",
                gbp="0,8571",
                bce="1,0838",
                brent="82,4",
            ),  # noqa: E501
            dict(
                giorno="martedì",
                usd="1,0815",
                dir="calo",
                prima="1,0842",
                yen="161,9",
                gbp="0,8566",
                bce="1,0820",
                brent="81,9",
            ),  # noqa: E501
            dict(
                giorno="mercoledì",
                usd="1,0877",
                dir="rialzo",
                prima="1,0815",
                yen="162,8",
                gbp="0,8580",
                bce="1,0869",
                brent="83,1",
            ),  # noqa: E501
            dict(
                giorno="giovedì",
                usd="1,0790",
                dir="calo",
                prima="1,0877",
                yen="161,0",
                gbp="0,8549",
                bce="1,0801",
                brent="80,7",
            ),  # noqa: E501
            dict(
                giorno="venerdì",
                usd="1,0842",
                dir="rialzo",
                prima="1,0790",
                yen="162,3",
                gbp="0,8571",
                bce="1,0838",
                brent="82,4",
            ),  # noqa: E501
            dict(
                giorno="lunedì",
                usd="1,0901",
                dir="rialzo",
                prima="1,0842",
                yen="163,5",
                gbp="0,8602",
                bce="1,0895",
                brent="84,0",
            ),  # noqa: E501
            dict(
                giorno="martedì",
                usd="1,0842",
                dir="calo",
                prima="1,0901",
                yen="162,3",
                gbp="0,8571",
                bce="1,0838",
                brent="82,4",
            ),  # noqa: E501
            dict(
                giorno="mercoledì",
                usd="1,0760",
                dir="calo",
                prima="1,0842",
                yen="160,4",
                gbp="0,8533",
                bce="1,0771",
                brent="79,8",
            ),  # noqa: E501
            dict(
                giorno="giovedì",
                usd="1,0842",
                dir="rialzo",
                prima="1,0760",
                yen="162,3",
                gbp="0,8571",
                bce="1,0838",
                brent="82,4",
            ),  # noqa: E501
            dict(
                giorno="venerdì",
                usd="1,0795",
                dir="calo",
                prima="1,0842",
                yen="161,2",
                gbp="0,8550",
                bce="1,0799",
                brent="81,0",
            ),  # noqa: E501
        ],
    ),
]

# Agency footers, one more paragraph under every templated brief: what makes two briefs
# of one template long and alike enough for the `near` rule (as on real wires).
FOOTERS: dict[str, str] = {
    "en": "Copyright the agency. All rights reserved. This material may not be published, "
    "broadcast, rewritten or redistributed without permission. For corrections, "
    "contact the news desk; for syndication, contact the sales team.",
    "it": "Copyright dell'agenzia. Tutti i diritti riservati. È vietata la riproduzione, "
    "anche parziale, senza autorizzazione. Per segnalare errori scrivere alla "
    "redazione; per l'abbonamento al servizio contattare l'ufficio commerciale.",
    "de": "Copyright der Agentur. Alle Rechte vorbehalten. Veröffentlichung, Weitergabe "
    "oder Bearbeitung nur mit Genehmigung. Korrekturen bitte an die Redaktion, Fragen "
    "zum Bezug des Dienstes an den Vertrieb.",
    "fr": "Copyright de l'agence. Tous droits réservés. Toute reproduction, même "
    "partielle, est interdite sans autorisation. Pour signaler une erreur, écrire à la "
    "rédaction ; pour un abonnement, contacter le service commercial.",
    "es": "Copyright de la agencia. Todos los derechos reservados. Queda prohibida su "
    "reproducción, total o parcial, sin autorización. Para correcciones, escriba a la "
    "redacción; para suscripciones, contacte con el departamento comercial.",
}

# -- live pages: (family, title, intro paragraphs, [entries of each page]) ---------------
# Each page is a different live blog (other URL, other day or match) under one intro.

LIVE: list[tuple[str, str, list[str], list[list[str]]]] = [
    (
        "live-election",
        "Live: election night results as they come in",
        [
            "Polls have closed across the country and counting is under way in all 650 "
            "constituencies. Follow our live coverage of the results, reactions from the "
            "party leaders and analysis from our correspondents through the night.",
            "An exit poll published at 10pm suggested a close contest, with the two main "
            "parties separated by a handful of seats and several smaller parties hoping to "
            "hold the balance of power in the new parliament.",
            "Turnout is expected to be higher than at the last general election, after "
            "long queues were reported at polling stations in several cities during the "
            "evening.",
            "How the night works: results are declared constituency by constituency by the "
            "local returning officers, usually starting with a race between a few north "
            "eastern counts to be first. Most results arrive between two and five in the "
            "morning, and the shape of the new parliament is normally clear by breakfast. "
            "Our reporters are at counts across the country, and our data team will update "
            "the seat map and the vote shares as each declaration comes in.",
        ],
        [
            [
                "23:05 - Houghton declares first, as usual: the Labour candidate Anne Ward "
                "holds the seat with a majority of 7,214.",
                "23:40 - Sunderland Central also declares; turnout there was 58.1 percent, up "
                "four points.",
                "00:15 - The first Conservative hold of the night comes in Broxbourne, where "
                "Mark Dale wins by 9,880 votes.",
            ],
            [
                "01:10 - Swindon North changes hands: the Liberal Democrat Priya Shah wins "
                "with a majority of 1,032.",
                "01:45 - A recount has been called in Hastings after the margin came in under "
                "100 votes.",
                "02:30 - The Greens hold Brighton Pavilion with an increased majority of "
                "14,600, their leader Tom Fry says.",
            ],
            [
                "03:20 - The prime minister arrives at the count in Richmond and is expected "
                "to speak within the hour.",
                "04:05 - With 480 seats declared the BBC projects a hung parliament, the first "
                "since 2017.",
                "04:50 - Scottish results: the SNP loses 6 seats in Glasgow to Labour.",
            ],
            [
                "06:10 - The final tally shows turnout of 67.3 percent nationally.",
                "06:40 - Party leaders begin talks; the Liberal Democrats say they will meet "
                "at 11am at Westminster.",
                "07:15 - Markets open: the pound rises 0.6 percent against the dollar.",
            ],
        ],
    ),
    (
        "diretta-maltempo",
        "Diretta maltempo: la situazione ora per ora",
        [
            "Una perturbazione di origine atlantica sta attraversando il Nord Italia con "
            "piogge intense, vento forte e mareggiate lungo le coste. Seguiamo in diretta "
            "l'evolversi della situazione con gli aggiornamenti della protezione civile.",
            "In diverse regioni è in vigore l'allerta arancione e in alcune province le "
            "scuole resteranno chiuse. Si raccomanda di evitare gli spostamenti non "
            "necessari e di non sostare vicino ai corsi d'acqua.",
            "I numeri di emergenza restano attivi 24 ore su 24; le segnalazioni vanno fatte "
            "ai vigili del fuoco o alla polizia locale.",
            "Come comportarsi: non attraversare ponti e guadi durante le piene, non scendere "
            "in cantine e sottopassi, tenersi lontani dagli alberi e dalle impalcature in "
            "caso di vento forte, seguire le indicazioni delle autorità e i canali ufficiali "
            "dei comuni. Chi vive ai piani bassi nelle zone a rischio deve tenere a portata "
            "di mano documenti, medicinali e una torcia.",
        ],
        [
            [
                "7.30 - A Genova il torrente Bisagno ha superato il primo livello di guardia; "
                "chiuso il sottopasso di Brignole.",
                "8.15 - Frana sulla provinciale 226 a Montoggio, due famiglie evacuate.",
                "9.00 - I vigili del fuoco di Savona hanno effettuato 43 interventi dalla "
                "mezzanotte.",
            ],
            [
                "12.10 - Esonda il Seveso a Milano nel quartiere Niguarda, allagate le "
                "cantine di via Valfurva.",
                "12.45 - Sospesa la linea M5 tra Bignami e Zara per infiltrazioni d'acqua.",
                "13.30 - A Como il lago è salito di 40 centimetri in sei ore.",
            ],
            [
                "18.00 - In Veneto raffiche fino a 110 km/h sul litorale di Jesolo, "
                "danneggiati alcuni stabilimenti balneari.",
                "18.40 - Acqua alta a Venezia: la marea ha toccato i 128 centimetri, il Mose è "
                "stato sollevato.",
                "19.20 - A Verona chiuso il ponte Pietra per precauzione.",
            ],
        ],
    ),
    (
        "live-match",
        "Live: Champions League night, minute by minute",
        [
            "Welcome to our live coverage of tonight's Champions League group games. "
            "Updates, goals and reaction from every ground follow below, with the final "
            "scores and the updated group tables after the final whistle.",
            "All games kick off at 8pm. Team news is expected an hour before kick-off; "
            "refresh this page for the latest entries or follow us on social media.",
            "What is at stake: the top two in each group go through to the knockout rounds "
            "and the third-placed sides drop into the Europa League. With two rounds left, "
            "several groups are still wide open, and goal difference could decide more than "
            "one of them. Our correspondents are at every ground tonight.",
        ],
        [
            [
                "20:12 - GOAL! Porto 1-0 Basel: Andrés Pinto heads in from a corner.",
                "20:37 - Basel hit the post through Jonas Meier.",
                "21:20 - Half-time at the Dragão: Porto 1-0 Basel.",
            ],
            [
                "20:05 - GOAL! Lyon 0-1 Celtic: an early strike from Callum Reid.",
                "20:44 - Red card for Lyon's Théo Martin after a second booking.",
                "21:55 - Full-time in Lyon: Celtic win 2-0 and top Group F.",
            ],
            [
                "20:20 - GOAL! Ajax 2-0 Napoli, a brace from Sven de Boer inside 20 minutes.",
                "21:03 - Napoli pull one back through Ciro Esposito: 2-1.",
                "21:58 - Full-time in Amsterdam: Ajax 3-1 Napoli.",
            ],
            [
                "20:30 - Penalty saved! Benfica keeper Rui Costa denies Lukas Weber.",
                "21:15 - GOAL! Benfica 1-0 Leipzig, Diogo Lopes from 25 yards.",
                "21:57 - Full-time in Lisbon: Benfica 1-0 Leipzig.",
            ],
        ],
    ),
]

# -- wire stories for edited copies: (id, language, title, paragraphs, rewritten lead) -----

WIRE: list[tuple[str, str, str, list[str], str]] = [
    (
        "wire-bridge",
        "en",
        "Harbour bridge to close for six months of repairs",
        [
            "The Kingsport harbour bridge will close to traffic for six months from March "
            "so that engineers can replace corroded cables, the city council said on "
            "Monday, in a decision that will add up to half an hour to many commutes.",
            "The 1960s suspension bridge carries about 40,000 vehicles a day between the "
            "city centre and the eastern suburbs. An inspection last year found that "
            "several of the main cables had lost part of their strength.",
            "The council said it had considered keeping one lane open during the work but "
            "that engineers had advised against it, because the replacement of each cable "
            "requires the deck to be partly unloaded.",
            "Buses will be diverted over the inland ring road, and a temporary ferry "
            "service will run every fifteen minutes at peak times between the old fish "
            "market and the eastern terminal.",
            "Local businesses on the eastern side said they feared a fall in trade. The "
            "chamber of commerce asked the council to waive parking charges in the eastern "
            "districts for the duration of the closure.",
            "The repairs are expected to cost about 85 million, two thirds of which will "
            "be paid by the national infrastructure fund. The rest will come from the "
            "city's own budget over three years.",
            "Cyclists and pedestrians will be able to use a walkway on the northern side of "
            "the bridge for most of the closure, except for two weekends when the cables "
            "near the towers are replaced.",
            "The council will hold public meetings about the diversions in the eastern "
            "districts during February, and a website with the updated bus timetables will "
            "go live at the end of January.",
        ],
        "Commuters face up to thirty extra minutes a day from March, when the Kingsport "
        "harbour bridge shuts for six months while its corroded cables are replaced, "
        "council officials announced on Monday.",
    ),
    (
        "wire-vaccine",
        "en",
        "Health agency approves updated flu vaccine for the winter",
        [
            "The national health agency on Thursday approved an updated flu vaccine for "
            "this winter's campaign, which will start in October with people over 65, "
            "pregnant women and health workers.",
            "The vaccine has been adapted to the strains that circulated in the southern "
            "hemisphere during its winter, which health officials use as a guide to what "
            "the northern hemisphere can expect.",
            "Officials said they had ordered 18 million doses, two million more than last "
            "year, after uptake among people in their fifties rose sharply during the "
            "previous campaign.",
            "Pharmacies will be able to give the vaccine for the first time to children "
            "over the age of twelve, a change that pharmacists' associations had requested "
            "for several years.",
            "Doctors' groups welcomed the decision but warned that staffing shortages in "
            "general practice could slow the campaign in rural areas, where pharmacies are "
            "also fewer and further apart.",
            "Last winter's flu season was one of the most severe in a decade, with "
            "hospital admissions peaking in late December and putting emergency "
            "departments under heavy pressure.",
            "The agency also said it was studying whether the flu vaccine could be given "
            "at the same appointment as the updated Covid booster, which is expected to be "
            "approved next month.",
        ],
        "People over 65, pregnant women and health workers will be first in line from "
        "October for an updated flu vaccine that the national health agency approved on "
        "Thursday for this winter.",
    ),
    (
        "wire-museum",
        "en",
        "Stolen painting recovered after twenty years",
        [
            "A landscape painting stolen from a provincial museum twenty years ago has been "
            "recovered in a private house, police said on Friday, after an art dealer "
            "recognised it in photographs sent to him for a valuation.",
            "The painting, a view of a river valley at dusk, was taken during a night-time "
            "break-in in which thieves cut through a skylight and removed three works from "
            "the museum's main gallery.",
            "The two other works have never been found. Investigators said they were "
            "following new leads after questioning the owner of the house, who told them "
            "he had bought the painting at a market.",
            "The dealer said he had immediately compared the photographs with the register "
            "of stolen art kept by the police and contacted the investigators the same "
            "afternoon.",
            "Experts from the museum examined the canvas on Thursday and confirmed that it "
            "was the original. They said it was in good condition, apart from a small tear "
            "near the frame that can be repaired.",
            "The museum's director said the painting would go back on display in the spring "
            "after restoration, next to a new panel telling the story of the theft and "
            "the recovery.",
            "No one has been charged. Police said the owner of the house was cooperating and "
            "that they were trying to trace the market trader who sold him the painting.",
        ],
        "Police have recovered a landscape painting that vanished from a provincial museum "
        "twenty years ago, after an art dealer asked to value it recognised the stolen "
        "work, they said on Friday.",
    ),
    (
        "wire-siccita",
        "it",
        "Siccità, razionamento dell'acqua in quaranta comuni",
        [
            "La Regione ha deciso di razionare l'acqua in quaranta comuni dell'entroterra "
            "a partire da lunedì, dopo un inverno con piogge inferiori di due terzi alla "
            "media e invasi ai minimi degli ultimi trent'anni.",
            "Nei comuni interessati l'erogazione sarà sospesa ogni notte dalle 23 alle 6, "
            "mentre le aziende agricole potranno irrigare solo a giorni alterni e nelle "
            "ore più fresche della giornata.",
            "L'assessore all'ambiente ha spiegato che la misura resterà in vigore almeno "
            "fino alla fine di maggio e potrà essere estesa ad altri comuni se le piogge "
            "di primavera non saranno sufficienti.",
            "Le associazioni degli agricoltori hanno chiesto un fondo per i danni alle "
            "colture e la sospensione dei canoni per l'uso delle acque irrigue per tutto "
            "l'anno in corso.",
            "I gestori del servizio idrico hanno avviato controlli sulle perdite della "
            "rete, che in alcuni comuni superano il quaranta per cento dell'acqua immessa "
            "nelle tubature.",
            "Sono previste sanzioni per chi utilizza l'acqua potabile per riempire piscine "
            "private o lavare automobili nei giorni di razionamento.",
            "La Regione ha infine annunciato un piano di investimenti per nuovi invasi e per "
            "il riuso delle acque depurate in agricoltura, da presentare entro l'estate.",
        ],
        "Da lunedì quaranta comuni dell'entroterra avranno l'acqua razionata: lo ha "
        "deciso la Regione dopo un inverno quasi senza piogge, con gli invasi ai livelli "
        "più bassi da trent'anni.",
    ),
    (
        "wire-bahn",
        "de",
        "Bahn kündigt neue Schnellverbindung an",
        [
            "Die Bahn will ab Dezember eine neue Schnellverbindung zwischen zwei großen "
            "Städten im Süden anbieten und die Fahrzeit um fast eine Stunde verkürzen, "
            "teilte das Unternehmen am Mittwoch mit.",
            "Möglich wird das durch die Fertigstellung einer Neubaustrecke, auf der Züge "
            "mit bis zu 250 Kilometern pro Stunde fahren können. Die Bauarbeiten hatten "
            "mehr als zehn Jahre gedauert.",
            "Zunächst sollen täglich zwölf Züge in jede Richtung verkehren, in den "
            "Hauptverkehrszeiten im Stundentakt. Später ist ein Halbstundentakt geplant.",
            "Fahrgastverbände begrüßten die Pläne, kritisierten aber, dass mehrere kleinere "
            "Bahnhöfe entlang der alten Strecke künftig seltener angefahren werden sollen.",
            "Die Bahn verwies darauf, dass Regionalzüge die Verbindungen der kleineren Orte "
            "übernehmen würden und dass die Länder dafür zusätzliche Mittel bereitstellten.",
            "Die Kosten der Neubaustrecke lagen nach Angaben des Unternehmens deutlich über "
            "der ursprünglichen Planung, unter anderem wegen aufwendiger Tunnelbauten.",
            "Fahrkarten für die neue Verbindung sollen ab Mitte Oktober erhältlich sein, "
            "zunächst zu einem Einführungspreis.",
        ],
        "Fast eine Stunde schneller: Ab Dezember sollen Züge auf einer neuen Strecke zwei "
        "große Städte im Süden verbinden, wie die Bahn am Mittwoch ankündigte.",
    ),
    (
        "wire-greve",
        "fr",
        "Grève des contrôleurs aériens : des centaines de vols annulés",
        [
            "Des centaines de vols ont été annulés jeudi dans les principaux aéroports du "
            "pays en raison d'une grève des contrôleurs aériens, qui protestent contre une "
            "réforme de leur temps de travail.",
            "L'autorité de l'aviation civile avait demandé aux compagnies de réduire leurs "
            "programmes de vols d'un tiers dans la capitale et de moitié dans plusieurs "
            "aéroports régionaux.",
            "Les passagers ont été invités à se renseigner auprès de leur compagnie avant de "
            "se rendre à l'aéroport. De longues files d'attente se sont formées aux guichets "
            "dès le début de la matinée.",
            "Les syndicats affirment que la réforme allongerait les périodes de travail sans "
            "tenir compte de la fatigue et réclament l'ouverture de nouvelles négociations "
            "avec le ministère.",
            "Le ministre des transports a qualifié la grève d'irresponsable en pleine période "
            "de vacances scolaires et a rappelé que la réforme avait déjà été amendée.",
            "Les compagnies à bas coût ont été les plus touchées. Certaines ont annoncé "
            "qu'elles demanderaient une indemnisation pour les pertes subies.",
            "Un nouveau préavis de grève a été déposé pour la semaine prochaine si aucun "
            "accord n'est trouvé d'ici là.",
        ],
        "Les contrôleurs aériens en grève ont provoqué jeudi l'annulation de centaines de "
        "vols dans les grands aéroports, pour dénoncer la réforme de leur temps de travail.",
    ),
    (
        "wire-incendio",
        "es",
        "Un incendio forestal obliga a desalojar tres pueblos",
        [
            "Un incendio forestal declarado el martes por la tarde en la sierra obligó a "
            "desalojar a los vecinos de tres pueblos durante la noche, informaron los "
            "servicios de emergencia.",
            "Las llamas, avivadas por el viento y las altas temperaturas, han recorrido "
            "varios miles de hectáreas de pinar y matorral, según las primeras "
            "estimaciones de los técnicos forestales.",
            "Más de doscientos efectivos trabajan en la extinción con el apoyo de "
            "hidroaviones y helicópteros, que reanudaron las descargas al amanecer.",
            "Los vecinos desalojados pasaron la noche en un polideportivo y en casas de "
            "familiares. Los ayuntamientos de la comarca han habilitado un teléfono de "
            "información.",
            "La carretera que une los tres pueblos permanece cortada y la circulación de "
            "trenes en la línea que atraviesa la sierra está suspendida.",
            "Las autoridades investigan las causas del incendio y no descartan que haya sido "
            "provocado, aunque por ahora no hay detenidos.",
            "La agencia meteorológica prevé un descenso de las temperaturas a partir del "
            "jueves, lo que podría facilitar las tareas de extinción.",
        ],
        "Tres pueblos de la sierra fueron desalojados durante la noche por un incendio "
        "forestal que se declaró el martes por la tarde, según los servicios de emergencia.",
    ),
]

# Rewritten leads for the wire stories of tests/data/dedup (same facts, other words).
REWRITTEN_LEADS: dict[str, str] = {
    "ai-act": "The world's first comprehensive rules for artificial intelligence won the "
    "approval of the European Parliament on Wednesday, limiting facial recognition in "
    "public spaces and adding transparency duties for makers of general-purpose models.",
    "rate-hike": "For the tenth consecutive time the central bank lifted its main interest "
    "rate on Thursday, by a quarter point, and said borrowing costs would stay high while "
    "inflation remained above target.",
    "rhodes-fires": "A wildfire that has burned for five days on Rhodes forced thousands of "
    "residents and tourists out of villages and beach resorts on Saturday as strong winds "
    "drove it south.",
    "maltempo-liguria": "Allerta rossa su tutto il centro-levante della Liguria: la "
    "protezione civile l'ha diramata per piogge e temporali dalla mezzanotte di domani "
    "alle 18 di venerdì.",
    "treno-bologna": "È deragliato poco dopo la stazione di Casalecchio, nel primo "
    "pomeriggio, un treno regionale partito da Bologna per Porretta Terme: le cause sono "
    "ancora da accertare.",
    "sciopero-scuola": "Sciopero nazionale della scuola venerdì: i sindacati lo hanno "
    "proclamato per tutto il personale docente e ATA, con manifestazioni davanti agli uffici "
    "scolastici regionali.",
}

# One local paragraph per language, as an outlet adds to a wire story.
LOCAL_PARAGRAPHS: dict[str, str] = {
    "en": "In Millbrook, the district council said it was following the situation closely "
    "and would publish advice for local residents on its website by the end of the week.",
    "it": "A Chiavari il sindaco ha convocato per domani mattina una riunione con i "
    "comitati di quartiere per fare il punto sulle conseguenze per il territorio.",
    "de": "In Lindau kündigte der Bürgermeister an, die Stadt werde die Bürger in einer "
    "Versammlung am Donnerstagabend im Rathaus über die Folgen informieren.",
    "fr": "À Quimper, la mairie a indiqué qu'elle suivait la situation de près et qu'une "
    "réunion d'information serait organisée vendredi soir à la salle des fêtes.",
    "es": "En Ribera, el alcalde ha convocado para mañana una reunión con las asociaciones "
    "de vecinos para informar de las consecuencias en el municipio.",
}

CORRECTIONS: dict[str, str] = {
    "en": "Correction: an earlier version of this article misspelled the name of a spokesperson.",
    "it": "Rettifica: una precedente versione dell'articolo riportava in modo errato il "
    "nome di un portavoce.",
    "de": "Korrektur: In einer früheren Version dieses Artikels war der Name eines "
    "Sprechers falsch geschrieben.",
    "fr": "Rectificatif : une version précédente de cet article orthographiait mal le nom "
    "d'un porte-parole.",
    "es": "Corrección: una versión anterior de este artículo escribía mal el nombre de un "
    "portavoz.",
}

# Follow-ups that reuse background paragraphs of a wire story (its paragraph numbers):
# (id, wire id, title, own paragraphs, background) -- other stories, must stay apart.
FOLLOWUPS: list[tuple[str, str, str, list[str], list[int]]] = [
    (
        "wire-bridge.followup",
        "wire-bridge",
        "Harbour bridge closure: first week brings long queues",
        [
            "The first week of the Kingsport harbour bridge closure brought queues of up to "
            "forty minutes on the inland ring road, and the temporary ferry carried more "
            "than 11,000 passengers, the city council said on Friday.",
            "Council officials said they would add two ferry crossings in the evening peak "
            "from Monday and adjust the timing of the traffic lights at three junctions "
            "where the diverted buses were running late.",
            "Shopkeepers in the eastern districts reported a drop in customers of about a "
            "fifth, and the chamber of commerce renewed its request for free parking.",
        ],
        [1, 3],
    ),
    (
        "wire-siccita.followup",
        "wire-siccita",
        "Siccità, dopo un mese di razionamento tornano le piogge",
        [
            "Dopo un mese di razionamento le piogge dell'ultima settimana hanno riportato "
            "gli invasi della Regione al sessanta per cento della capacità, e da lunedì "
            "dodici dei quaranta comuni torneranno all'erogazione normale.",
            "L'assessore all'ambiente ha avvertito che la situazione resta delicata e che il "
            "razionamento notturno continuerà negli altri ventotto comuni almeno fino a "
            "metà giugno.",
            "I controlli dei gestori hanno individuato e riparato oltre trecento perdite "
            "nella rete, con un risparmio stimato del dieci per cento.",
        ],
        [1, 3, 5],
    ),
]
