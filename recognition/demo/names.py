"""Names for the demo department: a Toronto medical faculty, so many origins.

Names are romanised (accents kept: "Zoë Ångström", "Nguyễn Thị Hạnh"): the PDF fonts
the app ships cannot draw CJK or Arabic script, and a demo should not show tofu.
Each group lists given names by how a person usually presents (f, m, either) and
family names; ``family_first`` groups write the family name first. The race label is
only a default that a person may or may not have chosen to give (see department.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class NameGroup:
    key: str
    weight: float
    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[str, ...]
    race: str
    family_first: bool = False
    # Vietnamese middle names are chosen by gender: "Thị" for women, "Văn" and others for men.
    middle_female: tuple[str, ...] = ()
    middle_male: tuple[str, ...] = ()


def _t(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


GROUPS: tuple[NameGroup, ...] = (
    NameGroup(
        "anglo",
        20,
        _t(
            "Sarah, Emily, Jennifer, Rebecca, Laura, Katherine, Heather, Megan, Allison, Rachel, Lauren, "
            "Meredith, Caroline, Jessica, Amanda, Claire, Hannah, Victoria, Natalie, Jordan"
        ),
        _t(
            "Michael, David, Andrew, Christopher, Matthew, James, Daniel, Robert, Jonathan, Benjamin, "
            "Thomas, William, Stephen, Peter, Richard, Graham, Alexander, Nicholas, Ian, Jordan"
        ),
        _t(
            "Smith, Brown, Wilson, Taylor, Campbell, Anderson, Thompson, Mitchell, Stewart, Robinson, "
            "Clarke, Walker, Wright, Hughes, Bennett, Fraser, Henderson, Morrison, Sutherland, Reid, "
            "Cooper, Baker, Hamilton, Ellis, Parker"
        ),
        "White",
    ),
    NameGroup(
        "irish",
        5,
        _t("Siobhán, Aoife, Niamh, Caoimhe, Róisín, Orla, Saoirse, Clodagh, Eimear, Gráinne"),
        _t("Seán, Ciarán, Pádraig, Eoin, Cathal, Declan, Niall, Oisín, Darragh, Colm"),
        _t(
            "O'Connor, O'Brien, Ó Súilleabháin, McCarthy, Murphy, Kelly, Byrne, Ryan, Doherty, "
            "Fitzgerald, Kennedy, MacNeil, McLaughlin, Gallagher, Nolan"
        ),
        "White",
    ),
    NameGroup(
        "french",
        5,
        _t("Geneviève, Marie-Ève, Amélie, Hélène, Élise, Josée, Mélanie, Nathalie, Chloé, Véronique"),
        _t("François, Jean-Philippe, Mathieu, Étienne, Luc, Benoît, Sébastien, Frédéric, Rémi, Gaétan"),
        _t(
            "Tremblay, Gagnon, Côté, Bélanger, Lévesque, Pelletier, Bouchard, Gauthier, Leblanc, "
            "Fortin, Bérubé, Lefèvre, Desjardins, Thériault"
        ),
        "White",
    ),
    NameGroup(
        "south_asian",
        13,
        _t(
            "Priya, Ananya, Deepa, Kavita, Neha, Sunita, Meera, Harpreet, Simran, Aisha, Farah, "
            "Shreya, Lakshmi, Nandini, Tahira"
        ),
        _t(
            "Rajesh, Arjun, Vikram, Sanjay, Amit, Rohan, Harjit, Gurpreet, Imran, Faisal, Karthik, "
            "Nikhil, Suresh, Anil, Tariq"
        ),
        _t(
            "Sharma, Patel, Singh, Gill, Sandhu, Reddy, Iyer, Krishnan, Mehta, Desai, Chaudhry, "
            "Khan, Siddiqui, Rahman, Banerjee, Mukherjee, Nair, Dhillon, Grewal, Joshi, Kapoor, "
            "Menon, Raman"
        ),
        "South Asian",
    ),
    NameGroup(
        "chinese",
        12,
        _t("Wei, Jing, Xiaoming, Mei, Lin, Yan, Hui, Xin, Ying, Fang, Grace, Vivian, Cynthia, Joyce"),
        _t("Wei, Jun, Hao, Lei, Qiang, Ming, Tao, Jian, Kevin, Eric, Vincent, Raymond, Kenneth, Calvin"),
        _t(
            "Zhang, Wang, Li, Chen, Liu, Yang, Huang, Zhao, Wu, Zhou, Xu, Sun, Ma, Zhu, Hu, Guo, "
            "Lin, Ho, Wong, Chan, Leung, Lau, Cheung, Tsang, Yip"
        ),
        "East Asian",
    ),
    NameGroup(
        "vietnamese",
        2,
        _t("Hạnh, Lan, Mai, Thảo, Hương, Ngọc, Trang, Linh, Phương, Thủy"),
        _t("Minh, Tuấn, Dũng, Hùng, Quang, Bảo, Khoa, Long, Phúc, Thắng"),
        _t("Nguyễn, Trần, Lê, Phạm, Hoàng, Huỳnh, Võ, Đặng, Bùi, Đỗ"),
        "Southeast Asian",
        family_first=True,
        middle_female=_t("Thị, Thị, Ngọc, Thu"),
        middle_male=_t("Văn, Đức, Minh, Quốc"),
    ),
    NameGroup(
        "korean",
        3,
        _t("Ji-woo, Seo-yeon, Min-ji, Hye-jin, Soo-ah, Eun-ji, Ha-eun, Yuna"),
        _t("Min-jun, Ji-hoon, Seung-woo, Dong-hyun, Joon-ho, Hyun-woo, Sung-min, Tae-yang"),
        _t("Kim, Lee, Park, Choi, Jung, Kang, Cho, Yoon, Jang, Lim, Han, Shin"),
        "East Asian",
    ),
    NameGroup(
        "japanese",
        1,
        _t("Yuki, Akiko, Haruka, Emi, Naomi, Keiko, Sakura"),
        _t("Kenji, Hiroshi, Takashi, Daisuke, Ryo, Kazuo, Satoshi"),
        _t("Tanaka, Suzuki, Takahashi, Watanabe, Itō, Yamamoto, Nakamura, Kobayashi, Saitō, Ōta"),
        "East Asian",
    ),
    NameGroup(
        "filipino",
        3,
        _t("Maria Clara, Rosalie, Kristine, Angelica, Joy, Maricel, Lourdes"),
        _t("Jose Miguel, Rommel, Ramon, Paolo, Jericho, Emmanuel, Rodel"),
        _t("Santos, Reyes, Cruz, Bautista, Ocampo, Garcia, Mendoza, Villanueva, Dela Cruz, Aquino"),
        "Southeast Asian",
    ),
    NameGroup(
        "iranian",
        4,
        _t("Shirin, Leila, Nasrin, Parisa, Mahsa, Roya, Yasmin, Golnaz"),
        _t("Reza, Ali, Mehdi, Kourosh, Dariush, Babak, Arash, Omid"),
        _t("Hosseini, Karimi, Rahimi, Moradi, Ahmadi, Jafari, Tehrani, Sadeghi, Rostami, Farahani"),
        "Middle Eastern",
    ),
    NameGroup(
        "arab",
        4,
        _t("Layla, Rania, Nour, Mariam, Huda, Dalia, Salma, Yara"),
        _t("Omar, Karim, Youssef, Khaled, Hassan, Samir, Tarek, Bilal"),
        _t("Haddad, Khoury, Saleh, Mansour, Nasser, Hamdan, Abboud, Al-Khatib, Aziz, Farouk"),
        "Middle Eastern",
    ),
    NameGroup(
        "turkish",
        1,
        _t("Ayşe, Elif, Zeynep, Gülşen, Şule"),
        _t("Gökhan, Emre, Mehmet, Barış, Çağrı"),
        _t("Yılmaz, Kaya, Demir, Şahin, Çelik, Öztürk, Aydın"),
        "Middle Eastern",
    ),
    NameGroup(
        "west_african",
        3,
        _t("Chiamaka, Ngozi, Adaeze, Funmilayo, Abena, Efua, Yetunde, Oluwaseun"),
        _t("Chukwuemeka, Oluwafemi, Kwame, Kofi, Babatunde, Ikechukwu, Adebayo, Yaw"),
        _t("Okafor, Adeyemi, Okonkwo, Mensah, Asante, Oyelaran, Nwosu, Boateng, Eze, Adeleke"),
        "Black",
    ),
    NameGroup(
        "east_african",
        2,
        _t("Selam, Hiwot, Amina, Wanjiru, Nafula, Tigist"),
        _t("Dawit, Tesfaye, Abdi, Kipchoge, Mwangi, Yonas"),
        _t("Bekele, Haile, Tadesse, Mohamed, Odhiambo, Wanjiku, Gebremariam, Abdullahi"),
        "Black",
    ),
    NameGroup(
        "caribbean",
        2,
        _t("Keisha, Shanice, Monique, Simone, Camille"),
        _t("Andre, Marcus, Delroy, Jermaine, Nigel"),
        _t("Campbell, Brown, Williams, Henry, Grant, Francis, Baptiste, Joseph"),
        "Black",
    ),
    NameGroup(
        "latin_american",
        3,
        _t("María José, Lucía, Camila, Valentina, Ximena, Daniela, Paola, Mariana"),
        _t("José, Andrés, Santiago, Alejandro, Mateo, Joaquín, Sebastián, Diego"),
        _t(
            "Núñez, García, Rodríguez, Martínez, Hernández, López, González, Pérez, Sánchez, "
            "Ramírez, Gutiérrez, Muñoz, Ibáñez"
        ),
        "Latin American",
    ),
    NameGroup(
        "southern_european",
        7,
        _t("Giulia, Francesca, Alessandra, Chiara, Sofia, Ana, Inês, Joana, Eleni, Katerina, Despina"),
        _t("Marco, Giuseppe, Luca, Stefano, João, Tiago, Nuno, Giorgos, Dimitris, Nikos, Konstantinos"),
        _t(
            "Rossi, Esposito, Romano, Colombo, Ricci, De Luca, Conti, Ferreira, Sousa, Pereira, "
            "Gonçalves, Papadopoulos, Georgiou, Christodoulou, Nikolaidis"
        ),
        "White",
    ),
    NameGroup(
        "northern_european",
        3,
        _t("Zoë, Ingrid, Astrid, Sigrid, Liv, Annika, Greta, Þóra, Maren"),
        _t("Søren, Lars, Erik, Henrik, Jürgen, Matthias, Björn, Sven, Jan"),
        _t(
            "Ångström, Johansson, Lindqvist, Sørensen, Müller, Schröder, Bäcker, Van der Berg, "
            "De Vries, Sigurðsson, Nyström, Østergaard"
        ),
        "White",
    ),
    NameGroup(
        "eastern_european",
        6,
        _t("Małgorzata, Katarzyna, Olena, Natalia, Irina, Anna, Tatiana, Jana, Rivka, Miriam"),
        _t("Paweł, Tomasz, Andriy, Dmitri, Sergei, Mikhail, Aleksandr, Jakub, Avi, Eitan"),
        _t(
            "Wiśniewski, Kowalski, Nowak, Zieliński, Shevchenko, Kovalenko, Ivanov, Petrov, Dvořák, "
            "Novák, Goldberg, Rosenblum, Katz, Friedman, Kaplan, Levi"
        ),
        "White",
    ),
)

# Names every demo department shows somewhere, so accents, apostrophes and family-name-
# first order are always on screen: (given, middle, family, group, presents).
SHOWCASE = (
    ("Zoë", "", "Ångström", "northern_european", "f"),
    ("José", "", "Núñez", "latin_american", "m"),
    ("Hạnh", "Thị", "Nguyễn", "vietnamese", "f"),
    ("Siobhán", "", "O'Connor", "irish", "f"),
    ("Þóra", "", "Sigurðardóttir", "northern_european", "f"),
    ("Søren", "", "Østergaard", "northern_european", "m"),
)

# Family names that take a feminine form (Polish, Russian, Czech, Icelandic patronyms).
FEMININE_FAMILY = {
    "Wiśniewski": "Wiśniewska",
    "Kowalski": "Kowalska",
    "Zieliński": "Zielińska",
    "Ivanov": "Ivanova",
    "Petrov": "Petrova",
    "Dvořák": "Dvořáková",
    "Novák": "Nováková",
    "Sigurðsson": "Sigurðardóttir",
}

# Self-identified race labels, as a department equity survey might offer them.
RACE_LABELS = (
    "White",
    "East Asian",
    "South Asian",
    "Southeast Asian",
    "Black",
    "Middle Eastern",
    "Latin American",
    "Indigenous",
    "Multiple or mixed",
)

# Letters NFKD does not decompose into an ASCII base letter.
_SPECIAL = str.maketrans(
    {
        "đ": "d",
        "Đ": "D",
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "ß": "ss",
        "ł": "l",
        "Ł": "L",
        "œ": "oe",
        "Œ": "OE",
        "þ": "th",
        "Þ": "Th",
        "ð": "d",
        "Ð": "D",
        "ı": "i",
    }
)


def ascii_fold(text: str) -> str:
    """ "Ångström" -> "Angstrom", "Nguyễn" -> "Nguyen", "Þóra" -> "Thora"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def email_part(text: str) -> str:
    """A name as it appears in an email address: folded, lower case, no spaces or
    apostrophes ("O'Connor" -> "oconnor", "Van der Berg" -> "vanderberg")."""
    folded = ascii_fold(text).lower()
    return re.sub(r"[^a-z0-9-]", "", folded).strip("-") or "x"
