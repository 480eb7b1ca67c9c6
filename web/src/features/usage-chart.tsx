// The usage chart (recharts): one stacked bar per UTC hour or day, a segment per outcome. Loaded
// on demand by usage.tsx, so the console's first load does not carry the chart library.
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { UsageOutcome } from '../api/client.ts'

export default function UsageChart({
  rows,
  drawn,
}: {
  rows: ({ label: string } & Record<UsageOutcome, number>)[]
  drawn: { outcome: UsageOutcome; label: string; color: string }[]
}) {
  return (
    <ResponsiveContainer width="100%" height={260}>
      <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="label" interval="preserveStartEnd" minTickGap={16} />
        <YAxis allowDecimals={false} width={48} />
        <Tooltip />
        <Legend />
        {drawn.map(({ outcome, label, color }) => (
          <Bar
            key={outcome}
            dataKey={outcome}
            name={label}
            stackId="outcome"
            fill={color}
            isAnimationActive={false}
          />
        ))}
      </BarChart>
    </ResponsiveContainer>
  )
}
