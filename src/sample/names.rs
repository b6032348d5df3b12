//! Small embedded word lists the sample draws from. Nothing here needs CSV
//! quoting; the writer quotes correctly anyway.

pub const FIRST_NAMES: &[&str] = &[
    "Emma", "Daan", "Sophie", "Lucas", "Julia", "Sem", "Tess", "Liam", "Anna", "Noah", "Fleur",
    "Milan", "Sara", "Levi", "Eva", "Finn", "Lotte", "Jesse", "Mila", "Thijs", "Olivia", "James",
    "Amelia", "Oliver", "Isla", "Harry", "Grace", "George", "Chloe", "Jack", "Mia", "Ethan", "Ava",
    "Mason", "Emily", "Logan", "Hannah", "Lukas", "Leonie", "Felix", "Lea", "Jonas", "Clara",
    "Louis", "Camille", "Hugo", "Chloé", "Jules", "Lucía", "Mateo", "Martina", "Pablo", "Giulia",
    "Lorenzo", "Chiara", "Matteo", "Astrid", "Erik", "Ingrid", "Lars", "Freja", "Mads", "João",
    "Beatriz", "Rafael", "Priya", "Arjun", "Ananya", "Rohan", "Yuki", "Haruto", "Sakura", "Kenji",
    "Zoë", "Amara", "Thabo", "Naledi", "Sipho", "Fatima", "Omar", "Leila", "Youssef", "Noor",
    "Ahmed",
];

pub const LAST_NAMES: &[&str] = &[
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Evans",
    "Thomas",
    "O'Brien",
    "Walker",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Becker",
    "Wagner",
    "Martin",
    "Bernard",
    "Dubois",
    "Lefèvre",
    "Moreau",
    "García",
    "Fernández",
    "López",
    "Martínez",
    "Rossi",
    "Russo",
    "Bianchi",
    "Romano",
    "Andersson",
    "Johansson",
    "Nilsson",
    "Hansen",
    "Nielsen",
    "Olsen",
    "Silva",
    "Santos",
    "Oliveira",
    "Sharma",
    "Patel",
    "Gupta",
    "Tanaka",
    "Suzuki",
    "Sato",
    "Nkosi",
    "Dlamini",
    "Mokoena",
    "Haddad",
    "El Amrani",
    "Benali",
    "Yilmaz",
    "Kaya",
];

/// (country, weight): a Dutch hub carrier's members.
pub const COUNTRIES: &[(&str, u32)] = &[
    ("Netherlands", 34),
    ("Germany", 10),
    ("United Kingdom", 9),
    ("United States", 9),
    ("France", 7),
    ("Belgium", 6),
    ("Spain", 4),
    ("Italy", 4),
    ("Sweden", 3),
    ("Norway", 2),
    ("Denmark", 2),
    ("Canada", 2),
    ("Brazil", 2),
    ("India", 2),
    ("Japan", 2),
    ("South Africa", 2),
];

/// Reserved example domains (RFC 2606), so no address is real.
pub const EMAIL_DOMAINS: &[&str] = &["example.com", "example.net", "example.org"];

/// (destination, great-circle miles from AMS), sorted by distance so a fare
/// can pick a plausible route by binary search.
pub const ROUTES: &[(&str, u32)] = &[
    ("BRU", 98),
    ("FRA", 227),
    ("LHR", 231),
    ("CDG", 247),
    ("ZRH", 379),
    ("CPH", 392),
    ("MUC", 413),
    ("OSL", 566),
    ("ARN", 706),
    ("BCN", 772),
    ("FCO", 808),
    ("MAD", 921),
    ("LIS", 1153),
    ("ATH", 1348),
    ("IST", 1380),
    ("TLV", 2053),
    ("DXB", 3222),
    ("BOS", 3456),
    ("JFK", 3639),
    ("YYZ", 3733),
    ("DEL", 3969),
    ("ORD", 4109),
    ("ATL", 4391),
    ("SFO", 5448),
    ("LAX", 5562),
    ("JNB", 5603),
    ("BKK", 5690),
    ("MEX", 5727),
    ("NRT", 5809),
    ("CPT", 6023),
    ("GRU", 6083),
    ("SIN", 6530),
];

/// (partner, miles earned per dollar).
pub const PARTNERS: &[(&str, f64)] = &[
    ("Northwind Hotels", 3.0),
    ("Cobalt Car Rental", 2.0),
    ("Skyline Credit Card", 1.0),
    ("Harbor Dining", 2.0),
    ("Meridian Shopping", 1.5),
    ("Atlas Rail", 2.5),
];

/// Lower-case ASCII letters and digits of a name, accents folded, everything
/// else dropped ("O'Brien" -> "obrien", "Lefèvre" -> "lefevre").
pub fn email_part(name: &str, out: &mut Vec<u8>) {
    for ch in name.chars() {
        let c = match ch {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            c => c.to_ascii_lowercase(),
        };
        if c.is_ascii_alphanumeric() {
            out.push(c as u8);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_sorted_and_email_parts_ascii() {
        assert!(ROUTES.windows(2).all(|w| w[0].1 < w[1].1));
        for n in FIRST_NAMES.iter().chain(LAST_NAMES) {
            let mut v = Vec::new();
            email_part(n, &mut v);
            assert!(
                !v.is_empty() && v.iter().all(|b| b.is_ascii_alphanumeric()),
                "{n}"
            );
        }
        let mut v = Vec::new();
        email_part("O'Brien Lefèvre", &mut v);
        assert_eq!(v, b"obrienlefevre");
    }
}
