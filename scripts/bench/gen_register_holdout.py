#!/usr/bin/env python3
"""Register-shaped linkage test data made independently of zicht-sim (issue 15, item 5).

Shares no code and no name lists with `crates/sim`: its own nationalities and names, and a
corruption model after GeCo / the FEBRL generator (Christen & Vatsalan 2013; Christen 2005) rather
than zicht-sim's typo-and-swap model:

* names by nationality, with transliteration variants of Ukrainian (Cyrillic), Syrian and
  Moroccan (Arabic) and Vietnamese names (Oleksandr / Aleksandr / Olexandr, Mohammed / Muhammad,
  Nguyen / Nguyễn), Dutch nicknames (Johannes / Hans), particles (van der / Van Der / dropped);
* per record: keyboard errors (neighbouring key), OCR errors (rn/m, l/1, o/0), phonetic variants
  (ij/y, ck/k, ph/f, dt/t), a deleted, inserted or transposed character, given and family name
  swapped, a second given name added or dropped, a value missing;
* birth dates missing on many records (a `birth_year` beside it, often kept when the date is not),
  day and month swapped, a digit mistyped, and 1 January placeholders of the year for people whose
  date is unknown;
* households: family members share the family name, nationality, municipality and often the birth
  year (twins share the birth date too), so non-matches agree on most low-cardinality fields;
* moves between municipalities, sex missing or wrong on a few records.

Writes `record_id,person_id,given_names,family_name,birth_date,birth_year,sex,nationality,municipality`;
`person_id` is the truth. Standard library only; the same seed gives the same file.

    python3 gen_register_holdout.py --persons 20000 --mean-records 1.8 --seed 1 --out holdout.csv
"""
import argparse
import csv
import datetime
import random
import sys
import unicodedata

# nationality: (weight, female given names, male given names, family names)
NATIONS = {
    "NLD": (0.34,
            ["Anouk", "Sanne", "Femke", "Lotte", "Maartje", "Ilse", "Wilhelmina", "Catharina", "Johanna",
             "Roos", "Noortje", "Marieke", "Esther", "Jolien", "Margriet", "Hendrika", "Fleur", "Tessa"],
            ["Johannes", "Willem", "Cornelis", "Hendrik", "Gerrit", "Jeroen", "Bram", "Sjoerd", "Thijs",
             "Maarten", "Wouter", "Ruud", "Stijn", "Joost", "Pieter", "Frederik", "Jacobus", "Teun"],
            ["van der Berg", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks",
             "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits", "van Dam", "Kuipers",
             "Veenstra", "Schouten", "van den Heuvel", "Post", "Kramer", "Prins", "Huisman", "Wijnands",
             "Blokland", "Verbeek", "Timmerman", "van Dijk", "Bakker", "Jonkers"]),
    "POL": (0.10,
            ["Agnieszka", "Katarzyna", "Malgorzata", "Joanna", "Magdalena", "Ewa", "Zofia", "Beata"],
            ["Krzysztof", "Tomasz", "Pawel", "Michal", "Marcin", "Grzegorz", "Wojciech", "Jakub"],
            ["Nowak", "Kowalczyk", "Wisniewski", "Wojcik", "Kaminski", "Lewandowski", "Zielinski",
             "Szymanski", "Dabrowski", "Kozlowski", "Jankowski", "Mazur"]),
    "ROU": (0.08,
            ["Ioana", "Andreea", "Mihaela", "Elena", "Alina", "Roxana", "Simona", "Georgiana"],
            ["Andrei", "Mihai", "Ionut", "Florin", "Bogdan", "Catalin", "Marius", "Razvan"],
            ["Popescu", "Ionescu", "Dumitru", "Stan", "Constantin", "Munteanu", "Dobre", "Lungu",
             "Barbu", "Nistor"]),
    "UKR": (0.10,
            ["Oksana", "Tetiana", "Yuliia", "Nataliia", "Iryna", "Olena", "Khrystyna", "Svitlana"],
            ["Oleksandr", "Dmytro", "Andrii", "Serhii", "Yurii", "Mykola", "Vasyl", "Oleh"],
            ["Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Zhuk", "Kharchenko",
             "Melnyk", "Oliinyk", "Tsybulskyi", "Moroz", "Lysenko"]),
    "SYR": (0.09,
            ["Fatima", "Aisha", "Mariam", "Noor", "Rania", "Huda", "Layla", "Zainab"],
            ["Mohammed", "Ahmad", "Khaled", "Yousef", "Omar", "Hussein", "Abdullah", "Mahmoud"],
            ["Al-Hassan", "Haddad", "Al-Khatib", "Shami", "Darwish", "Kassab", "Al-Najjar", "Hamdan",
             "Zaher", "Othman"]),
    "MAR": (0.08,
            ["Khadija", "Samira", "Naima", "Souad", "Hafsa", "Imane", "Ikram", "Btissam"],
            ["Youssef", "Mustapha", "Rachid", "Hicham", "Abdelkader", "Said", "Driss", "Nourdine"],
            ["El Amrani", "Benali", "Ouchen", "El Idrissi", "Bouzid", "Tahiri", "Amrani", "Chakir",
             "Azzouzi", "Belhaj"]),
    "VNM": (0.07,
            ["Thi Lan", "Thi Hoa", "Ngoc Anh", "Thu Trang", "Minh Chau", "Thi Mai"],
            ["Van Minh", "Duc Anh", "Quang Huy", "Van Long", "Thanh Tung", "Hoang Nam"],
            ["Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui", "Do", "Ngo"]),
    "ERI": (0.07,
            ["Selam", "Senait", "Helen", "Rahel", "Yordanos", "Saba", "Mebrat", "Tsega"],
            ["Tesfay", "Yonas", "Dawit", "Berhane", "Kidane", "Habtom", "Filmon", "Tekle"],
            ["Gebremedhin", "Tesfamariam", "Haile", "Ghebreyesus", "Weldemichael", "Kidane", "Berhe",
             "Tekeste", "Asmerom"]),
    "BRA": (0.07,
            ["Ana Paula", "Juliana", "Fernanda", "Camila", "Leticia", "Bruna", "Patricia", "Larissa"],
            ["Joao Pedro", "Lucas", "Rafael", "Thiago", "Gustavo", "Felipe", "Rodrigo", "Leandro"],
            ["da Silva", "dos Santos", "Oliveira", "Souza", "Pereira", "Ferreira", "Almeida", "Carvalho",
             "Ribeiro", "Gomes"]),
}

MUNICIPALITIES = [
    "Amsterdam", "Rotterdam", "Den Haag", "Utrecht", "Eindhoven", "Groningen", "Tilburg", "Almere",
    "Breda", "Nijmegen", "Apeldoorn", "Haarlem", "Arnhem", "Enschede", "Zaanstad", "Amersfoort",
    "Venlo", "Leeuwarden", "Zwolle", "Maastricht", "Dordrecht", "Leiden", "Emmen", "Westland",
    "Heerlen", "Deventer", "Delft", "Alkmaar", "Helmond", "Oss", "Sittard-Geleen", "Hoorn",
    "Lelystad", "Gouda", "Vlaardingen", "Schiedam", "Roosendaal", "Terneuzen", "Kerkrade", "Assen",
]

NICKNAMES = {
    "Johannes": ["Hans", "Jan", "Johan"], "Willem": ["Wim", "Pim"], "Cornelis": ["Kees", "Cor"],
    "Hendrik": ["Henk", "Rik"], "Gerrit": ["Gert"], "Jacobus": ["Koos", "Jaap"], "Pieter": ["Piet"],
    "Frederik": ["Frits", "Freek"], "Wilhelmina": ["Willy", "Mien"], "Catharina": ["Karin", "Toos"],
    "Johanna": ["Anneke", "Jo"], "Hendrika": ["Riek", "Ria"], "Margriet": ["Grietje"],
    "Krzysztof": ["Krzys"], "Tomasz": ["Tomek"], "Malgorzata": ["Gosia"], "Katarzyna": ["Kasia"],
    "Oleksandr": ["Sasha"], "Dmytro": ["Dima"], "Mohammed": ["Mo"], "Abdullah": ["Abdel"],
}

# Transliteration: alternative spellings of whole names, and spelling rules applied by chance.
SPELLINGS = {
    "Oleksandr": ["Aleksandr", "Olexandr", "Oleksander", "Alexandre"], "Andrii": ["Andriy", "Andrej", "Andrei"],
    "Serhii": ["Serhiy", "Sergei", "Sergiy"], "Yurii": ["Yuriy", "Iouri", "Jurij"], "Oleh": ["Oleg"],
    "Yuliia": ["Yulia", "Julia", "Ioulia"], "Tetiana": ["Tetyana", "Tatiana"], "Nataliia": ["Natalia", "Natalya"],
    "Iryna": ["Irina"], "Olena": ["Elena", "Olena"], "Khrystyna": ["Hrystyna", "Christina"],
    "Shevchenko": ["Chevtchenko", "Schewtschenko", "Shevtchenko"], "Kharchenko": ["Harchenko", "Kharcenko"],
    "Tsybulskyi": ["Tsybulsky", "Cybulski", "Tsibulskiy"], "Oliinyk": ["Oleynik", "Oliynyk"],
    "Zhuk": ["Zuk", "Jouk"], "Melnyk": ["Melnik", "Mielnik"],
    "Mohammed": ["Muhammad", "Mohamed", "Mohammad", "Mehmet"], "Ahmad": ["Ahmed", "Achmed"],
    "Yousef": ["Youssef", "Yusuf", "Josef"], "Khaled": ["Khalid", "Chaled"], "Hussein": ["Husain", "Hussain"],
    "Mahmoud": ["Mahmud", "Machmoud"], "Aisha": ["Aicha", "Ayesha"], "Zainab": ["Zeinab", "Zaynab"],
    "Al-Hassan": ["Alhassan", "El Hassan", "Hassan"], "Al-Khatib": ["Alkhatib", "El Khatib", "Khatib"],
    "Al-Najjar": ["Alnajjar", "El Najjar", "Najjar"], "Othman": ["Osman", "Uthman"],
    "Mustapha": ["Mustafa", "Moustapha"], "Rachid": ["Rashid", "Rasheed"], "Hicham": ["Hisham"],
    "Nourdine": ["Noureddine", "Nordin"], "Khadija": ["Khadidja", "Chadia"], "Souad": ["Suad"],
    "El Amrani": ["Elamrani", "Amrani"], "El Idrissi": ["Elidrissi", "Idrissi"],
    "Nguyen": ["Nguyễn", "Ngyuen", "Nguyen Thi"], "Tran": ["Trần"], "Pham": ["Phạm", "Fam"],
    "Hoang": ["Hoàng", "Huynh"], "Dang": ["Đặng", "Dan"], "Thi Lan": ["Lan", "Thị Lan"],
    "Ngoc Anh": ["Ngọc Anh", "Anh"], "Van Minh": ["Minh", "Văn Minh"], "Duc Anh": ["Đức Anh"],
    "Gebremedhin": ["Gebremedin", "Ghebremedhin"], "Ghebreyesus": ["Gebreyesus", "Ghebreiesus"],
    "Weldemichael": ["Woldemichael", "Weldemikael"], "Tesfay": ["Tesfai", "Tesfaye"],
    "Joao Pedro": ["João Pedro", "Joao"], "da Silva": ["Silva", "Da Silva"], "dos Santos": ["Santos"],
}

PHONETIC = [("ij", "y"), ("y", "ij"), ("ck", "k"), ("ph", "f"), ("dt", "t"), ("ei", "ij"), ("c", "k"),
            ("sch", "s"), ("ou", "u"), ("kh", "h"), ("ts", "tz"), ("w", "v"), ("ie", "i"), ("ee", "e")]
OCR = [("rn", "m"), ("m", "rn"), ("l", "1"), ("o", "0"), ("i", "l"), ("e", "c"), ("cl", "d"), ("h", "b")]
KEYBOARD_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
NEIGHBOURS = {}
for r, row in enumerate(KEYBOARD_ROWS):
    for c, ch in enumerate(row):
        near = [row[c - 1]] if c > 0 else []
        near += [row[c + 1]] if c + 1 < len(row) else []
        for rr in (r - 1, r + 1):
            if 0 <= rr < len(KEYBOARD_ROWS):
                near += [x for x in KEYBOARD_ROWS[rr][max(0, c - 1):c + 1]]
        NEIGHBOURS[ch] = near


def zipf(rng, items, s=0.9):
    weights = [1.0 / (k + 1) ** s for k in range(len(items))]
    return rng.choices(items, weights)[0]


def keyboard(rng, s):
    idx = [i for i, ch in enumerate(s) if ch.lower() in NEIGHBOURS]
    if not idx:
        return s
    i = rng.choice(idx)
    rep = rng.choice(NEIGHBOURS[s[i].lower()])
    return s[:i] + (rep.upper() if s[i].isupper() else rep) + s[i + 1:]


def replace_one(rng, s, table):
    options = [(a, b) for a, b in table if a in s]
    if not options:
        return s
    a, b = rng.choice(options)
    at = [i for i in range(len(s)) if s.startswith(a, i)]
    i = rng.choice(at)
    return s[:i] + b + s[i + len(a):]


def edit(rng, s):
    if len(s) < 3:
        return s
    i = rng.randrange(1, len(s) - 1)
    k = rng.random()
    if k < 0.35:
        return s[:i] + s[i + 1:]
    if k < 0.7:
        return s[:i] + rng.choice("aeinorst") + s[i:]
    return s[:i - 1] + s[i] + s[i - 1] + s[i + 1:]


def corrupt_name(rng, s, rate):
    """One GeCo-style error with probability `rate` (two with rate²)."""
    for _ in range(2):
        if rng.random() >= rate:
            break
        k = rng.random()
        if k < 0.3:
            s = keyboard(rng, s)
        elif k < 0.5:
            s = replace_one(rng, s, PHONETIC)
        elif k < 0.6:
            s = replace_one(rng, s, OCR)
        else:
            s = edit(rng, s)
    return s


def spell(rng, name, p):
    """Another transliteration of a name, or a nickname, with probability p."""
    if rng.random() < p:
        alts = SPELLINGS.get(name, []) + NICKNAMES.get(name, [])
        if alts:
            return rng.choice(alts)
    return name


def particle_variant(rng, family):
    if " " not in family or not family[0].islower():
        return family
    k = rng.random()
    if k < 0.4:
        return family.title()  # van der Berg -> Van Der Berg
    if k < 0.7:
        return family.split(" ")[-1]  # dropped particle
    return family


def fold(s):
    return "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))


def random_date(rng, lo_year, hi_year):
    start = datetime.date(lo_year, 1, 1).toordinal()
    end = datetime.date(hi_year, 12, 31).toordinal()
    return datetime.date.fromordinal(rng.randint(start, end))


def observe_date(rng, d, placeholder):
    """The birth date as a register writes it: swapped day and month, a mistyped digit."""
    if placeholder:
        return datetime.date(d.year, 1, 1).isoformat()
    k = rng.random()
    if k < 0.04 and d.day <= 12 and d.day != d.month:
        return datetime.date(d.year, d.day, d.month).isoformat()
    if k < 0.08:
        s = list(d.isoformat())
        i = rng.choice([2, 3, 5, 6, 8, 9])
        s[i] = str((int(s[i]) + rng.choice([1, 9])) % 10)
        try:
            return datetime.date.fromisoformat("".join(s)).isoformat()
        except ValueError:
            return d.isoformat()
    return d.isoformat()


def make_people(rng, n_persons):
    """Persons in households: (given, family, sex, birth date, nationality, municipality, undocumented)."""
    nations = list(NATIONS)
    weights = [NATIONS[k][0] for k in nations]
    people = []
    while len(people) < n_persons:
        nat = rng.choices(nations, weights)[0]
        _, female, male, families = NATIONS[nat]
        family = zipf(rng, families, 0.7)
        town = zipf(rng, MUNICIPALITIES, 1.0)
        undocumented = nat != "NLD" and rng.random() < 0.3
        size = rng.choices([1, 2, 3, 4, 5], [0.45, 0.2, 0.15, 0.12, 0.08])[0]
        parent_year = rng.randint(1955, 1995)
        twins = rng.random() < 0.08 and size >= 3
        twin_date = random_date(rng, parent_year + 18, min(parent_year + 30, 2015))
        for member in range(size):
            sex = rng.choice("FM")
            given = zipf(rng, female if sex == "F" else male, 0.8)
            if member == 0:
                born = datetime.date(parent_year, 1, 1) + datetime.timedelta(days=rng.randrange(365))
            elif member == 1 and size >= 2:
                born = random_date(rng, parent_year - 3, parent_year + 3)
            elif twins and member in (2, 3):
                born = twin_date
            else:
                born = random_date(rng, parent_year + 18, min(parent_year + 35, 2016))
            people.append((given, family, sex, born, nat, town, undocumented))
    return people[:n_persons]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--persons", type=int, default=20000)
    ap.add_argument("--mean-records", type=float, default=1.8,
                    help="mean records per person (1 + a geometric number of duplicates)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--error-rate", type=float, default=0.15, help="chance of an error in each name")
    ap.add_argument("--missing-date", type=float, default=0.35, help="share of records without a birth date")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    people = make_people(rng, a.persons)
    extra = a.mean_records - 1.0
    p_more = extra / (1.0 + extra) if extra > 0 else 0.0
    rows = []
    for pid, (given, family, sex, born, nat, town, undocumented) in enumerate(people):
        k = 1
        while rng.random() < p_more and k < 25:
            k += 1
        # A person whose date is unknown to the authorities gets the 1 January placeholder on
        # most of their records.
        placeholder_person = undocumented and rng.random() < 0.3
        for _ in range(k):
            g = spell(rng, given, 0.15 if nat != "NLD" else 0.08)
            f = spell(rng, particle_variant(rng, family), 0.15)
            if " " in g and rng.random() < 0.15:
                g = g.split(" ")[rng.randrange(2)]  # one of two given names
            if nat == "VNM" and rng.random() < 0.25:
                g, f = f, g  # family name first, as written at home
            if rng.random() < 0.03:
                g, f = f, g  # fields swapped by the clerk
            if rng.random() < 0.3:
                g, f = fold(g), fold(f)
            g = corrupt_name(rng, g, a.error_rate)
            f = corrupt_name(rng, f, a.error_rate)
            if rng.random() < 0.02:
                g = ""
            if rng.random() < 0.01:
                f = ""
            if rng.random() < 0.05:
                g, f = g.upper(), f.upper()
            has_date = rng.random() >= a.missing_date
            date = observe_date(rng, born, placeholder_person and rng.random() < 0.8) if has_date else ""
            year = ""
            if date:
                year = date[:4] if rng.random() < 0.9 else ""
            elif rng.random() < 0.7:
                year = str(born.year + (rng.choice([-1, 1]) if rng.random() < 0.1 else 0))
            s = sex if rng.random() >= 0.05 else ""
            if s and rng.random() < 0.01:
                s = "M" if s == "F" else "F"
            n = nat if rng.random() >= 0.08 else ""
            t = town if rng.random() >= 0.15 else zipf(rng, MUNICIPALITIES, 1.0)
            if rng.random() < 0.1:
                t = ""
            rows.append([pid, g, f, date, year, s, n, t])
    rng.shuffle(rows)
    with open(a.out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["record_id", "person_id", "given_names", "family_name", "birth_date", "birth_year", "sex",
                    "nationality", "municipality"])
        for i, r in enumerate(rows):
            w.writerow([f"r{i + 1}"] + r)
    pairs = 0
    counts = {}
    for r in rows:
        counts[r[0]] = counts.get(r[0], 0) + 1
    pairs = sum(c * (c - 1) // 2 for c in counts.values())
    print(f"{len(rows)} records of {len(people)} persons, {pairs} true pairs", file=sys.stderr)


if __name__ == "__main__":
    main()
