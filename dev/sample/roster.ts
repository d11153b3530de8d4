// The sample's fixed roster, its daily schedule, and the hash every sample number comes from.
const playersPerTeam = 13;
const teams = [
  'ATL',
  'BOS',
  'BKN',
  'CHA',
  'CHI',
  'CLE',
  'DAL',
  'DEN',
  'DET',
  'GSW',
  'HOU',
  'IND',
  'LAC',
  'LAL',
  'MEM',
  'MIA',
  'MIL',
  'MIN',
  'NOP',
  'NYK',
  'OKC',
  'ORL',
  'PHI',
  'PHX',
  'POR',
  'SAC',
  'SAS',
  'TOR',
  'UTA',
  'WAS',
];
export const maxPlayers = teams.length * playersPerTeam;
const firstNames = [
  'Marcus',
  'Jalen',
  'Tyrese',
  'Devin',
  'Anthony',
  'Jaylen',
  'Darius',
  'Luka',
  'Nikola',
  'Trae',
  'Zion',
  'Kevin',
  'Paolo',
  'Scottie',
  'Evan',
  'Franz',
  'Cade',
  'Jamal',
  'Donovan',
  'Desmond',
  'Miles',
  'Mikal',
  'Bam',
  'Jrue',
  'Tyler',
  'Dejounte',
  'Alperen',
  'Victor',
  'Chet',
  'Shai',
];
const lastNames = [
  'Smart',
  'Brunson',
  'Haliburton',
  'Booker',
  'Edwards',
  'Brown',
  'Garland',
  'Doncic',
  'Jokic',
  'Young',
  'Williamson',
  'Durant',
  'Banchero',
  'Barnes',
  'Mobley',
  'Wagner',
  'Cunningham',
  'Murray',
  'Mitchell',
  'Bane',
  'Bridges',
  'Adebayo',
  'Holiday',
  'Herro',
  'Murphy',
  'Sengun',
  'Wembanyama',
  'Holmgren',
  'Gilgeous',
  'Ivey',
];

export interface RosterPlayer {
  playerLookup: string;
  fullName: string;
  team: string;
  pointsAverage: number;
  minutesAverage: number;
}

/** The first `count` players of the fixed roster, 13 per team. */
export function roster(count: number): RosterPlayer[] {
  if (!Number.isInteger(count) || count < 0 || count > maxPlayers) {
    throw new Error(`players must be a whole number from 0 to ${maxPlayers}, got ${count}`);
  }
  return Array.from({ length: count }, (_, i) => {
    // Unique (first, last) pairs for i < 900: 31 and 30 are coprime.
    const first = firstNames[i % firstNames.length]!;
    const last = lastNames[(Math.floor(i / firstNames.length) * (firstNames.length + 1) + i) % lastNames.length]!;
    const playerLookup = `${first}${last}`.toLowerCase();
    return {
      playerLookup,
      fullName: `${first} ${last}`,
      team: teams[Math.floor(i / playersPerTeam)]!,
      pointsAverage: round1(5 + 25 * unit(playerLookup, 'ppg')),
      minutesAverage: round1(14 + 22 * unit(playerLookup, 'mpg')),
    };
  });
}

export interface Game {
  gameId: string;
  opponent: string;
  home: boolean;
}

/** Pairs the roster's teams into games for the date; the pairing changes from day to day. */
export function schedule(date: string, players: RosterPlayer[]): Map<string, Game> {
  const playing = [...new Set(players.map((p) => p.team))].sort((a, b) => unit(date, a) - unit(date, b));
  // An odd team out plays a team that has no sample players.
  if (playing.length % 2 === 1) playing.push(teams.find((t) => !playing.includes(t))!);
  const games = new Map<string, Game>();
  for (let i = 0; i + 1 < playing.length; i += 2) {
    const away = playing[i]!;
    const home = playing[i + 1]!;
    const gameId = `${date.replaceAll('-', '')}_${away}_${home}`;
    games.set(away, { gameId, opponent: home, home: false });
    games.set(home, { gameId, opponent: away, home: true });
  }
  return games;
}

export function pointsLine(date: string, p: RosterPlayer): number {
  return Math.floor(Math.max(0, p.pointsAverage + 4 * (unit(date, p.playerLookup, 'line') - 0.5))) + 0.5;
}

/** A number in [0, 1) from the parts (FNV-1a): the sample's only source of variety. */
export function unit(...parts: string[]): number {
  let hash = 0x811c9dc5;
  for (const ch of parts.join('|')) {
    hash ^= ch.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 2 ** 32;
}

export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
